// The invoice PDF (LC-2: rendered at finalize; BP-4: carries the Pay Now
// URL), read back with poppler as a reader would see it.

#include "integrations/pdf/invoice_pdf.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "integrations/pdf/invoice_text.h"
#include "server/domain/invoice.h"
#include "tests/support/poppler_reader.h"

namespace invoicehub::pdf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCompanyName[] = "Zürich Ærø 株式会社";
constexpr char kPayNowUrl[] = "https://pay.example.com/i/7f3a9c";

domain::Company SampleCompany() {
  domain::Company company;
  company.display_name = kCompanyName;
  company.address.address_lines = {"Bahnhofstrasse 1"};
  company.address.postal_code = "8001";
  company.address.locality = "Zürich";
  company.address.region_code = "CH";
  return company;
}

domain::Customer SampleCustomer() {
  domain::Customer customer;
  customer.display_name = "Müller & Søn GmbH";
  customer.billing_address.address_lines = {"Kungsgatan 12", "c/o Accounts Payable"};
  customer.billing_address.postal_code = "111 43";
  customer.billing_address.locality = "Stockholm";
  customer.billing_address.region_code = "SE";
  return customer;
}

domain::InvoiceLine Line(std::string description, int64_t quantity_e4, int64_t unit_price_minor,
                         int64_t tax_rate_e3) {
  domain::InvoiceLine line;
  line.description = std::move(description);
  line.quantity_e4 = quantity_e4;
  line.unit_price_minor = unit_price_minor;
  line.tax_rate_e3 = tax_rate_e3;
  return line;
}

// A finalized invoice with totals as the domain computes them (LC-3).
domain::Invoice SampleInvoice(std::string currency_code = "EUR") {
  domain::Invoice invoice;
  invoice.state = domain::InvoiceState::kFinal;
  invoice.number = "INV-2026-0042";
  invoice.issue_date = absl::CivilDay(2026, 11, 22);
  invoice.due_date = absl::CivilDay(2026, 12, 22);
  invoice.po_number = "PO-77-ALPHA";
  invoice.currency_code = std::move(currency_code);
  invoice.lines = {Line("Consulting hours", 25000, 12000, 8100),           // 2.5 x 120.00 at 8.1%
                   Line("Travel Zürich–Basel", 10000, 8950, 0),            // 1 x 89.50, no tax
                   Line("Software licence 株式会社", 30000, 4999, 7700)};  // 3 x 49.99 at 7.7%
  invoice.applied_minor = 20000;
  EXPECT_TRUE(domain::ComputeTotals(invoice).ok());
  return invoice;
}

std::string Render(const domain::Invoice& invoice, const std::string& pay_now_url = kPayNowUrl) {
  absl::StatusOr<std::string> pdf = RenderInvoicePdf(SampleCompany(), SampleCustomer(), invoice, pay_now_url);
  EXPECT_TRUE(pdf.ok()) << pdf.status();
  return pdf.ok() ? *pdf : std::string();
}

std::string TextOf(const std::string& pdf) {
  absl::StatusOr<std::string> text = test::PdfText(pdf);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : std::string();
}

// `label`, then on the same line (pdftotext -layout keeps a line's columns
// together) `value`: the amount printed next to its label, not just anywhere.
::testing::Matcher<std::string> LabelledAs(const std::string& label, const std::string& value) {
  return ::testing::ContainsRegex(absl::StrCat(label, "[ ]+", value));
}

// The PDF rendered at finalize shows who bills whom, for what, and the
// totals, with Unicode names extracted exactly as given.
TEST(InvoicePdfTest, ShowsPartiesNumberDatesPoLinesAndTotals) {  // LC-2
  std::string text = TextOf(Render(SampleInvoice()));

  EXPECT_THAT(text, HasSubstr(kCompanyName));
  EXPECT_THAT(text, HasSubstr("Bahnhofstrasse 1"));
  EXPECT_THAT(text, HasSubstr("8001 Zürich"));
  EXPECT_THAT(text, HasSubstr("Müller & Søn GmbH"));
  EXPECT_THAT(text, HasSubstr("Kungsgatan 12"));
  EXPECT_THAT(text, HasSubstr("c/o Accounts Payable"));
  EXPECT_THAT(text, HasSubstr("111 43 Stockholm"));
  EXPECT_THAT(text, HasSubstr("SE"));

  EXPECT_THAT(text, HasSubstr("Invoice"));
  EXPECT_THAT(text, HasSubstr("Number: INV-2026-0042"));
  EXPECT_THAT(text, HasSubstr("Issue date: 2026-11-22"));
  EXPECT_THAT(text, HasSubstr("Due date: 2026-12-22"));
  EXPECT_THAT(text, HasSubstr("PO number: PO-77-ALPHA"));

  // Each line: description, quantity, unit price, tax rate, net, tax.
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "Consulting hours +2.5 +120.00 EUR +8.1% +300.00 EUR +24.30 EUR"));
  EXPECT_THAT(text, ::testing::ContainsRegex("Travel Zürich–Basel +1 +89.50 EUR +0% +89.50 EUR +0.00 EUR"));
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "Software licence 株式会社 +3 +49.99 EUR +7.7% +149.97 EUR +11.55 EUR"));

  EXPECT_THAT(text, LabelledAs("Subtotal", "539.47 EUR"));
  EXPECT_THAT(text, LabelledAs("Tax", "35.85 EUR"));
  EXPECT_THAT(text, LabelledAs("Total", "575.32 EUR"));
  EXPECT_THAT(text, LabelledAs("Payments applied", "200.00 EUR"));
  EXPECT_THAT(text, LabelledAs("Outstanding", "375.32 EUR"));
  EXPECT_THAT(text, HasSubstr("Page 1 of 1"));
}

// The Pay Now URL from bill-pay is printed on the PDF.
TEST(InvoicePdfTest, PrintsThePayNowUrlWhenThereIsOne) {  // BP-4
  EXPECT_THAT(TextOf(Render(SampleInvoice(), kPayNowUrl)), HasSubstr(absl::StrCat("Pay now: ", kPayNowUrl)));
}

// Before bill-pay has answered (or without bill-pay) there is no URL,
// and the PDF says nothing about paying online.
TEST(InvoicePdfTest, LeavesOutPayNowWithoutAUrl) {  // BP-4
  EXPECT_THAT(TextOf(Render(SampleInvoice(), "")), Not(HasSubstr("Pay now")));
}

TEST(InvoicePdfTest, LeavesOutThePoLabelWithoutAPoNumber) {
  domain::Invoice invoice = SampleInvoice();
  invoice.po_number.clear();
  EXPECT_THAT(TextOf(Render(invoice)), Not(HasSubstr("PO number")));
}

TEST(InvoicePdfTest, IsAPdfWithTheNumberAsTitleAndTheIssueDateAsCreationDate) {
  std::string pdf = Render(SampleInvoice());
  EXPECT_THAT(pdf, StartsWith("%PDF-"));
  absl::StatusOr<std::string> info = test::PdfInfo(pdf);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(*info, ::testing::ContainsRegex("Title: +INV-2026-0042"));
  // The issue date, never the wall clock: see the re-render test below.
  EXPECT_THAT(*info, ::testing::ContainsRegex("CreationDate: +2026-11-22T00:00:00"));
  EXPECT_THAT(*info, ::testing::ContainsRegex("Page size: +595.* x 841.* pts \\(A4\\)"));
}

// A later render of an unchanged invoice is the same document, byte
// for byte, so it can be compared with or replace the stored one.
TEST(InvoicePdfTest, ReRenderOfAnUnchangedInvoiceIsByteIdentical) {  // LC-2
  domain::Invoice invoice = SampleInvoice();
  std::string first = Render(invoice);
  std::string second = Render(invoice);
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(first == second) << "sizes " << first.size() << " and " << second.size();
}

TEST(InvoicePdfTest, ManyLinesFlowOntoNumberedPagesWithEveryLinePresent) {
  domain::Invoice invoice = SampleInvoice();
  invoice.lines.clear();
  for (int i = 1; i <= 200; ++i)
    invoice.lines.push_back(Line(absl::StrFormat("Item %03d widget", i), 10000, 100 * i, 8100));
  ASSERT_TRUE(domain::ComputeTotals(invoice).ok());

  std::string pdf = Render(invoice);
  int pages = test::PdfPageCount(pdf);
  EXPECT_GT(pages, 1);
  std::string text = TextOf(pdf);
  for (int i = 1; i <= 200; ++i) EXPECT_THAT(text, HasSubstr(absl::StrFormat("Item %03d widget", i)));
  for (int page = 1; page <= pages; ++page)
    EXPECT_THAT(text, HasSubstr(absl::StrCat("Page ", page, " of ", pages)));
  // The table header is repeated on every page, and the totals come once.
  size_t headers = 0;
  for (size_t at = text.find("Unit price"); at != std::string::npos; at = text.find("Unit price", at + 1))
    ++headers;
  EXPECT_EQ(headers, static_cast<size_t>(pages));
  EXPECT_THAT(text, LabelledAs("Outstanding", AmountText(invoice.outstanding_minor, 2, "EUR")));
}

// Long descriptions wrap inside their column: no word of a 1000-character
// description (the domain's limit), not even one long unbroken token, runs
// past the right margin or off the page.
TEST(InvoicePdfTest, LongDescriptionsWrapInsideThePage) {
  domain::Invoice invoice = SampleInvoice();
  std::string description = absl::StrCat(std::string(120, 'W'), " ");
  while (description.size() < 1000) description += "installation and configuration ";
  description.resize(1000);
  invoice.lines.push_back(Line(description, 10000, 100, 0));
  invoice.lines.push_back(Line(std::string(330, 'x') + "株式会社", 10000, 100, 0));  // 1000 bytes
  ASSERT_TRUE(domain::ComputeTotals(invoice).ok());

  absl::StatusOr<std::vector<test::WordBox>> words = test::PdfWordBoxes(Render(invoice));
  ASSERT_TRUE(words.ok()) << words.status();
  ASSERT_FALSE(words->empty());
  constexpr double kMarginPt = 36;  // at least this much white space on each side
  for (const test::WordBox& word : *words) {
    EXPECT_GE(word.x_min, kMarginPt) << word.word;
    EXPECT_LE(word.x_max, word.page_width - kMarginPt) << word.word;
    EXPECT_GE(word.y_min, kMarginPt) << word.word;
    EXPECT_LE(word.y_max, word.page_height - kMarginPt / 2) << word.word;
  }
}

// Beyond anything the domain accepts, a description taller than a page is
// cut to the page (its last line ends in an ellipsis) rather than drawn off
// it. Only the drawing is checked: pdftotext still extracts the cut words,
// because pango tags the ellipsis with the text it stands for.
TEST(InvoicePdfTest, ADescriptionTallerThanAPageIsCutToThePage) {
  domain::Invoice invoice = SampleInvoice();
  std::string description;
  for (int i = 0; i < 1500; ++i) description += absl::StrCat("word", i, " ");
  invoice.lines.insert(invoice.lines.begin(), Line(description, 10000, 100, 0));
  ASSERT_TRUE(domain::ComputeTotals(invoice).ok());

  std::string pdf = Render(invoice);
  // Page 1 keeps its header, the cut line fills page 2, the rest follows.
  EXPECT_EQ(test::PdfPageCount(pdf), 3);
  absl::StatusOr<std::vector<test::WordBox>> words = test::PdfWordBoxes(pdf);
  ASSERT_TRUE(words.ok()) << words.status();
  for (const test::WordBox& word : *words) {
    EXPECT_LE(word.x_max, word.page_width) << word.word;
    EXPECT_LE(word.y_max, word.page_height) << word.word;
  }
  EXPECT_THAT(TextOf(pdf), HasSubstr("Software licence 株式会社"));
}

// The server renders from several gRPC threads at once: each render must
// succeed and give the same bytes as a render on its own.
TEST(InvoicePdfTest, ConcurrentRendersFromFourThreadsAllMatchASingleRender) {
  const domain::Invoice invoice = SampleInvoice();
  const std::string expected = Render(invoice);
  ASSERT_FALSE(expected.empty());

  constexpr int kThreads = 4, kRendersPerThread = 5;
  std::vector<std::vector<absl::StatusOr<std::string>>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRendersPerThread; ++i)
        results[t].push_back(RenderInvoicePdf(SampleCompany(), SampleCustomer(), invoice, kPayNowUrl));
    });
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), static_cast<size_t>(kRendersPerThread));
    for (const absl::StatusOr<std::string>& pdf : results[t]) {
      ASSERT_TRUE(pdf.ok()) << pdf.status();
      EXPECT_TRUE(*pdf == expected) << "thread " << t << " rendered different bytes";
    }
  }
}

TEST(InvoicePdfTest, PrintsYenWithoutDecimals) {
  domain::Invoice invoice = SampleInvoice("JPY");
  invoice.lines = {Line("コンサルティング", 20000, 15000, 10000)};  // 2 x 15000 JPY at 10%
  invoice.applied_minor = 1000;
  ASSERT_TRUE(domain::ComputeTotals(invoice).ok());
  std::string text = TextOf(Render(invoice));
  EXPECT_THAT(text, ::testing::ContainsRegex("コンサルティング +2 +15000 JPY +10% +30000 JPY +3000 JPY"));
  EXPECT_THAT(text, LabelledAs("Total", "33000 JPY"));
  EXPECT_THAT(text, LabelledAs("Payments applied", "1000 JPY"));
  EXPECT_THAT(text, LabelledAs("Outstanding", "32000 JPY"));
}

TEST(InvoicePdfTest, PrintsBahrainiDinarWithThreeDecimals) {
  domain::Invoice invoice = SampleInvoice("BHD");
  invoice.lines = {Line("Maintenance", 15000, 12345, 10000)};  // 1.5 x 12.345 BHD at 10%
  invoice.applied_minor = 5;
  ASSERT_TRUE(domain::ComputeTotals(invoice).ok());
  std::string text = TextOf(Render(invoice));
  // 1.5 x 12.345 = 18.5175, rounded half away from zero to 18.518; tax 1.852.
  EXPECT_THAT(text, ::testing::ContainsRegex("Maintenance +1.5 +12.345 BHD +10% +18.518 BHD +1.852 BHD"));
  EXPECT_THAT(text, LabelledAs("Total", "20.370 BHD"));
  EXPECT_THAT(text, LabelledAs("Payments applied", "0.005 BHD"));
  EXPECT_THAT(text, LabelledAs("Outstanding", "20.365 BHD"));
}

TEST(InvoicePdfTest, RefusesACurrencyWithoutKnownMinorDigits) {
  domain::Invoice invoice = SampleInvoice();
  invoice.currency_code = "XYZ";
  absl::StatusOr<std::string> pdf = RenderInvoicePdf(SampleCompany(), SampleCustomer(), invoice, "");
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace invoicehub::pdf
