// What a finalized invoice produces, read back as a client would: the PDF
// (streamed, then read with poppler's pdftotext and compared with the
// invoice from GetInvoice), the invoice email from the company's templates,
// and backup attachments that never enter the PDF (BP-5).

#include <cstdint>
#include <cstdio>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/support/poppler_reader.h"
#include "tests/support/sha256_hex.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using invoicehub::testing::Sha256Hex;

constexpr char kUnicodeCompany[] = "Zürich Ærø 株式会社";
constexpr size_t kMaxChunkBytes = 64 * 1024;
constexpr size_t kMaxAttachmentBytes = 3 * 1024 * 1024;

// "1234.50": minor units as a plain decimal with the currency's digits.
std::string Decimal(int64_t minor, int digits = 2) {
  std::string text = std::to_string(minor < 0 ? -minor : minor);
  if (digits == 0) return (minor < 0 ? "-" : "") + text;
  if (text.size() <= static_cast<size_t>(digits)) text.insert(0, digits + 1 - text.size(), '0');
  text.insert(text.size() - digits, ".");
  return (minor < 0 ? "-" : "") + text;
}

// "1234.50 CHF", as the PDF prints amounts.
std::string Amount(const v1::Money& money) { return Decimal(money.minor_units()) + " " + money.currency_code(); }

std::string RegexEscape(const std::string& text) {
  static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, kSpecial, R"(\$&)");
}

// `label`, then on the same line (pdftotext -layout keeps a line's columns
// together) `value`.
::testing::Matcher<std::string> LabelledAs(const std::string& label, const std::string& value) {
  return ContainsRegex(RegexEscape(label) + "[ ]+" + RegexEscape(value));
}

// One row of the line table as the PDF shows it, from the invoice's line.
::testing::Matcher<std::string> ShowsLine(const v1::InvoiceLine& line) {
  std::string rate = line.tax_rate_percent().empty() ? "0" : line.tax_rate_percent();
  return ContainsRegex(RegexEscape(line.description()) + " +" + RegexEscape(line.quantity()) + " +" +
                       RegexEscape(Amount(line.unit_price())) + " +" + RegexEscape(rate + "%") + " +" +
                       RegexEscape(Amount(line.net_amount())) + " +" + RegexEscape(Amount(line.tax_amount())));
}

// `pdftotext -layout` of a PDF; fails the test if poppler cannot read it.
std::string PdfText(const std::string& pdf) {
  absl::StatusOr<std::string> text = pdf::test::PdfText(pdf);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

// The page count pdfinfo reports, or -1 (and a test failure) if it cannot.
int PdfPages(const std::string& pdf) {
  int pages = pdf::test::PdfPageCount(pdf);
  EXPECT_NE(pages, -1) << "pdfinfo cannot read the PDF";
  return pages;
}

// A file read from a FileChunk stream.
struct Download {
  grpc::Status status;
  std::string bytes;
  v1::FileChunk first;  // without its data
  int chunks = 0;
  bool chunks_within_limit = true;
  bool later_chunks_bare = true;  // only the first describes the file
};

template <typename Reader>
Download ReadChunks(Reader& reader) {
  Download download;
  v1::FileChunk chunk;
  while (reader->Read(&chunk)) {
    if (download.chunks == 0) {
      download.first = chunk;
      download.first.clear_data();
    } else if (chunk.total_size() != 0 || !chunk.sha256().empty() || !chunk.content_type().empty()) {
      download.later_chunks_bare = false;
    }
    if (chunk.data().size() > kMaxChunkBytes) download.chunks_within_limit = false;
    download.bytes += chunk.data();
    ++download.chunks;
  }
  download.status = reader->Finish();
  return download;
}

class InvoiceDocumentsTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    company_ = NewCompany(kUnicodeCompany);
    admin_ = company_.admin_key_secret();
    clerk_ = NewKey(admin_, v1::ROLE_CLERK);
    v1::UpdateCompanyRequest update;
    update.mutable_company()->set_version(company_.company().version());
    v1::PostalAddress* address = update.mutable_company()->mutable_address();
    address->add_address_lines("Bahnhofstrasse 1");
    address->set_postal_code("8001");
    address->set_locality("Zürich");
    address->set_region_code("CH");
    update.mutable_update_mask()->add_paths("address");
    grpc::Status status = api().admin().UpdateCompany(ApiClient::Context(admin_).get(), update, &company_record_);
    ASSERT_TRUE(status.ok()) << StatusText(status);

    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_display_name("Müller & Søn GmbH");
    request.mutable_customer()->set_email(Unique("ap") + "@mueller.example");
    request.mutable_customer()->set_payment_terms_days(30);
    v1::PostalAddress* billing = request.mutable_customer()->mutable_billing_address();
    billing->add_address_lines("Kungsgatan 12");
    billing->add_address_lines("c/o Accounts Payable");
    billing->set_postal_code("111 43");
    billing->set_locality("Stockholm");
    billing->set_region_code("SE");
    status = api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &customer_);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }

  std::string Where() const { return " WHERE company_id = " + company_.company().id(); }

  // Three lines, one with Unicode; totals 539.47 + 35.85 = 575.32 CHF.
  static std::vector<v1::InvoiceLine> SampleLines() {
    return {Line("Consulting hours", "2.5", 12000, "8.1"), Line("Travel Zürich–Basel", "1", 8950, "0"),
            Line("Software licence 株式会社", "3", 4999, "7.7")};
  }

  v1::Invoice NewDraft(const std::vector<v1::InvoiceLine>& lines, const std::string& po_number = "PO-77-ALPHA") {
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_.id());
    *request.mutable_issue_date() = MakeDate(2024, 3, 10);
    request.set_po_number(po_number);
    for (const v1::InvoiceLine& line : lines) *request.add_lines() = line;
    v1::Invoice invoice;
    grpc::Status status = api().invoices().CreateInvoice(ApiClient::Context(clerk_).get(), request, &invoice);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return invoice;
  }

  using E2eTest::Moved;
  v1::Invoice Moved(const v1::Invoice& invoice, Move move) { return Moved(clerk_, invoice, move); }

  Download FetchPdf(const std::string& invoice_id, int64_t version = 0, const std::string& key = "") {
    v1::GetInvoicePdfRequest request;
    request.set_invoice_id(invoice_id);
    request.set_version(version);
    auto context = ApiClient::Context(key.empty() ? clerk_ : key);
    auto reader = api().invoices().GetInvoicePdf(context.get(), request);
    return ReadChunks(reader);
  }

  // The PDF of `invoice_id`; fails the test unless it is well described.
  std::string Pdf(const std::string& invoice_id) {
    Download download = FetchPdf(invoice_id);
    EXPECT_TRUE(download.status.ok()) << StatusText(download.status);
    EXPECT_EQ(download.first.content_type(), "application/pdf");
    EXPECT_EQ(download.first.total_size(), static_cast<int64_t>(download.bytes.size()));
    EXPECT_EQ(download.first.sha256(), Sha256Hex(download.bytes));
    EXPECT_TRUE(download.chunks_within_limit);
    EXPECT_TRUE(download.later_chunks_bare);
    EXPECT_EQ(download.bytes.substr(0, 5), "%PDF-");
    return download.bytes;
  }

  grpc::Status RenderEmail(const std::string& invoice_id, v1::InvoiceEmail* email, int64_t version = 0) {
    v1::RenderInvoiceEmailRequest request;
    request.set_invoice_id(invoice_id);
    request.set_version(version);
    return api().invoices().RenderInvoiceEmail(ApiClient::Context(clerk_).get(), request, email);
  }

  grpc::Status SaveTemplates(const std::string& subject, const std::string& body, v1::Company* saved) {
    v1::UpdateCompanyRequest update;
    update.mutable_company()->set_version(GetCompany().version());
    update.mutable_company()->set_email_subject_template(subject);
    update.mutable_company()->set_email_body_template(body);
    update.mutable_update_mask()->add_paths("email_subject_template");
    update.mutable_update_mask()->add_paths("email_body_template");
    return api().admin().UpdateCompany(ApiClient::Context(admin_).get(), update, saved);
  }

  v1::Company GetCompany() {
    v1::GetCompanyRequest request;
    v1::Company company;
    grpc::Status status = api().admin().GetCompany(ApiClient::Context(admin_).get(), request, &company);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return company;
  }

  grpc::Status AddAttachment(const std::string& invoice_id, const std::string& file_name,
                             const std::string& content_type, const std::string& content,
                             v1::InvoiceAttachment* response, const std::string& key = "") {
    v1::AddInvoiceAttachmentRequest request;
    request.set_invoice_id(invoice_id);
    request.set_file_name(file_name);
    request.set_content_type(content_type);
    request.set_content(content);
    return api().invoices().AddInvoiceAttachment(ApiClient::Context(key.empty() ? clerk_ : key).get(), request,
                                                 response);
  }

  Download FetchAttachment(const std::string& invoice_id, const std::string& attachment_id) {
    v1::GetInvoiceAttachmentRequest request;
    request.set_invoice_id(invoice_id);
    request.set_attachment_id(attachment_id);
    auto context = ApiClient::Context(clerk_);
    auto reader = api().invoices().GetInvoiceAttachment(context.get(), request);
    return ReadChunks(reader);
  }

  v1::CreateCompanyResponse company_;
  v1::Company company_record_;
  std::string admin_, clerk_;
  v1::Customer customer_;
};

// LC-2: the PDF of a finalized invoice, read with pdftotext, shows the
// company and the customer with their addresses (Unicode exactly as given),
// the number and dates as yyyy-mm-dd, the PO number, every line with its
// amounts and the totals, each as GetInvoice reports them; no Pay Now line
// without a Pay Now URL (BP-4). The first chunk describes the file and its
// SHA-256 is that of the bytes.
TEST_F(InvoiceDocumentsTest, PdfShowsTheInvoiceAsGetInvoiceReadsIt) {  // LC-2, LC-3, BP-4
  v1::Invoice finalized = Moved(NewDraft(SampleLines()), Move::kFinalize);
  v1::Invoice invoice = GetInvoice(clerk_, finalized.id());
  ASSERT_EQ(invoice.number(), "INV-000001");
  ASSERT_EQ(invoice.total().minor_units(), 57532);
  ASSERT_EQ(invoice.pay_now_url(), "");
  std::string pdf = Pdf(invoice.id());
  std::string text = PdfText(pdf);

  EXPECT_THAT(text, HasSubstr(kUnicodeCompany));
  EXPECT_THAT(text, HasSubstr("Bahnhofstrasse 1"));
  EXPECT_THAT(text, HasSubstr("8001 Zürich"));
  EXPECT_THAT(text, HasSubstr("Müller & Søn GmbH"));
  EXPECT_THAT(text, HasSubstr("Kungsgatan 12"));
  EXPECT_THAT(text, HasSubstr("c/o Accounts Payable"));
  EXPECT_THAT(text, HasSubstr("111 43 Stockholm"));

  EXPECT_THAT(text, HasSubstr("Number: " + invoice.number()));
  EXPECT_THAT(text, HasSubstr("Issue date: " + DateText(invoice.issue_date())));
  EXPECT_THAT(text, HasSubstr("Issue date: 2024-03-10"));
  EXPECT_THAT(text, HasSubstr("Due date: " + DateText(invoice.due_date())));
  EXPECT_THAT(text, HasSubstr("Due date: 2024-04-09"));
  EXPECT_THAT(text, HasSubstr("PO number: PO-77-ALPHA"));

  ASSERT_EQ(invoice.lines_size(), 3);
  for (const v1::InvoiceLine& line : invoice.lines()) EXPECT_THAT(text, ShowsLine(line)) << line.description();
  EXPECT_THAT(text, ContainsRegex("Travel Zürich–Basel +1 +89\\.50 CHF +0% +89\\.50 CHF +0\\.00 CHF"));

  EXPECT_THAT(text, LabelledAs("Subtotal", Amount(invoice.subtotal())));
  EXPECT_THAT(text, LabelledAs("Tax", Amount(invoice.tax_total())));
  EXPECT_THAT(text, LabelledAs("Total", Amount(invoice.total())));
  EXPECT_THAT(text, LabelledAs("Total", "575.32 CHF"));
  EXPECT_THAT(text, LabelledAs("Payments applied", "0.00 CHF"));
  EXPECT_THAT(text, LabelledAs("Outstanding", Amount(invoice.outstanding())));
  EXPECT_THAT(text, Not(HasSubstr("Pay now")));
  EXPECT_THAT(text, HasSubstr("Page 1 of 1"));
  EXPECT_EQ(PdfPages(pdf), 1);

  // The stored PDF is served again unchanged, also at the invoice's version.
  Download again = FetchPdf(invoice.id(), invoice.version());
  ASSERT_TRUE(again.status.ok()) << StatusText(again.status);
  EXPECT_EQ(again.bytes, pdf);
  Download stale = FetchPdf(invoice.id(), invoice.version() + 1);
  EXPECT_EQ(stale.status.error_code(), StatusCode::ABORTED) << StatusText(stale.status);
}

// LC-2: the PDF is that of the last finalize. A payment on a FINAL invoice
// does not re-render it; a REISSUE keeps serving the old PDF; the
// refinalized invoice has a new PDF with the new lines, the same number, and
// the applied prepayment and outstanding (LC-3).
TEST_F(InvoiceDocumentsTest, RefinalizedPdfShowsNewLinesAndPaymentsApplied) {  // LC-2, LC-3, BP-8
  v1::Invoice invoice = Moved(NewDraft(SampleLines()), Move::kFinalize);
  std::string first_pdf = Pdf(invoice.id());
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 10000, {{invoice.id(), 10000}});
  EXPECT_EQ(Pdf(invoice.id()), first_pdf);  // not re-rendered by a payment

  invoice = Moved(GetInvoice(clerk_, invoice.id()), Move::kReissue);
  EXPECT_EQ(Pdf(invoice.id()), first_pdf);  // REISSUE: the last finalize's PDF
  v1::UpdateInvoiceRequest update;
  update.set_invoice_id(invoice.id());
  update.set_version(invoice.version());
  *update.add_lines() = Line("Revised workshop", "4", 25000, "8.1");
  *update.add_lines() = Line("Travel Zürich–Basel", "1", 8950, "0");
  update.mutable_update_mask()->add_paths("lines");
  ASSERT_TRUE(api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), update, &invoice).ok());
  v1::ApplyPrepaymentRequest apply;
  apply.set_payment_id(payment.id());
  apply.set_invoice_id(invoice.id());
  apply.set_request_id(Unique("apply"));
  v1::ApplyPrepaymentResponse applied;
  grpc::Status status = api().payments().ApplyPrepayment(ApiClient::Context(clerk_).get(), apply, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  invoice = Moved(applied.invoice(), Move::kFinalize);
  ASSERT_EQ(invoice.number(), "INV-000001");
  ASSERT_EQ(invoice.total().minor_units(), 108100 + 8950);
  ASSERT_EQ(invoice.applied().minor_units(), 10000);
  ASSERT_EQ(invoice.outstanding().minor_units(), 108100 + 8950 - 10000);

  std::string pdf = Pdf(invoice.id());
  EXPECT_NE(pdf, first_pdf);
  std::string text = PdfText(pdf);
  EXPECT_THAT(text, HasSubstr("Number: INV-000001"));
  for (const v1::InvoiceLine& line : invoice.lines()) EXPECT_THAT(text, ShowsLine(line)) << line.description();
  EXPECT_THAT(text, Not(HasSubstr("Consulting hours")));
  EXPECT_THAT(text, Not(HasSubstr("Software licence")));
  EXPECT_THAT(text, LabelledAs("Total", "1170.50 CHF"));
  EXPECT_THAT(text, LabelledAs("Payments applied", "100.00 CHF"));
  EXPECT_THAT(text, LabelledAs("Outstanding", "1070.50 CHF"));
  EXPECT_THAT(text, LabelledAs("Outstanding", Amount(invoice.outstanding())));
}

// LC-2: a PDF is rendered when an invoice is finalized; a DRAFT has none,
// also one reverted from FINAL, and neither has a draft voided unfinalized.
TEST_F(InvoiceDocumentsTest, NoPdfForDrafts) {  // LC-2
  v1::Invoice draft = NewDraft(SampleLines());
  v1::Invoice reverted = Moved(Moved(NewDraft(SampleLines()), Move::kFinalize), Move::kRevertToDraft);
  v1::Invoice voided = Moved(NewDraft(SampleLines()), Move::kVoid);
  for (const v1::Invoice& invoice : {draft, reverted, voided}) {
    SCOPED_TRACE(v1::InvoiceState_Name(invoice.state()));
    Download download = FetchPdf(invoice.id());
    EXPECT_EQ(download.status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(download.status);
    EXPECT_EQ(PreconditionRule(download.status), "LC-2");
    EXPECT_EQ(download.bytes, "");
  }
  Download missing = FetchPdf("987654321");
  EXPECT_EQ(missing.status.error_code(), StatusCode::NOT_FOUND) << StatusText(missing.status);
  // Another company's key cannot read the PDF (BP-6).
  v1::Invoice final_invoice = Moved(NewDraft(SampleLines()), Move::kFinalize);
  v1::CreateCompanyResponse other = NewCompany();
  Download foreign = FetchPdf(final_invoice.id(), 0, other.admin_key_secret());
  EXPECT_EQ(foreign.status.error_code(), StatusCode::NOT_FOUND) << StatusText(foreign.status);
}

// LC-2: an invoice with many lines spreads over several pages, each
// numbered, and every line is on one of them.
TEST_F(InvoiceDocumentsTest, LongInvoiceShowsEveryLineOverSeveralPages) {  // LC-2
  std::vector<v1::InvoiceLine> lines;
  for (int i = 1; i <= 70; ++i) {
    char description[32];
    std::snprintf(description, sizeof description, "Item number %02d", i);
    lines.push_back(Line(description, std::to_string(i), 100 * i, "7.7"));
  }
  v1::Invoice invoice = Moved(NewDraft(lines, ""), Move::kFinalize);
  std::string pdf = Pdf(invoice.id());
  std::string text = PdfText(pdf);
  int pages = PdfPages(pdf);
  EXPECT_GE(pages, 2);
  EXPECT_THAT(text, HasSubstr("Page 1 of " + std::to_string(pages)));
  EXPECT_THAT(text, HasSubstr("Page " + std::to_string(pages) + " of " + std::to_string(pages)));
  ASSERT_EQ(invoice.lines_size(), 70);
  for (const v1::InvoiceLine& line : invoice.lines()) EXPECT_THAT(text, ShowsLine(line)) << line.description();
  EXPECT_THAT(text, LabelledAs("Total", Amount(invoice.total())));
  EXPECT_THAT(text, Not(HasSubstr("PO number")));
}

// BP-4 and admin_service.proto: without a template of its own the company's
// email is the default one, filled from the invoice; amount_due is the
// outstanding after a payment (LC-3) as a plain decimal.
// Without a Pay Now URL (none before bill-pay answers), the default body
// leaves out its "Pay online:" line rather than print it empty.
TEST_F(InvoiceDocumentsTest, EmailFromDefaultTemplate) {  // BP-4, LC-3
  v1::Invoice invoice = Moved(NewDraft({Line("Consulting", "1.5", 15000, "8.1")}), Move::kFinalize);  // 243.23
  NewPayment(clerk_, customer_.id(), 8108, {{invoice.id(), 8108}});
  v1::InvoiceEmail email;
  grpc::Status status = RenderEmail(invoice.id(), &email);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(email.to(), customer_.email());
  EXPECT_EQ(email.subject(), std::string("Invoice INV-000001 from ") + kUnicodeCompany);
  EXPECT_EQ(email.body(), std::string("Hello Müller & Søn GmbH,\n\nInvoice INV-000001 from ") + kUnicodeCompany +
                              " is ready.\n\nAmount due: CHF 162.15\nDue date: 2024-04-09\n\n"
                              "Thank you for your business.\n\n" +
                              kUnicodeCompany + "\n");
}

// Amounts keep every minor digit: 2 x 900.00 + 8.1% is "1945.80", never
// "1945.8".
TEST_F(InvoiceDocumentsTest, EmailAmountsKeepEveryMinorDigit) {  // BP-4
  v1::Invoice invoice = Moved(NewDraft({Line("Workshop", "2", 90000, "8.1")}), Move::kFinalize);
  ASSERT_EQ(invoice.total().minor_units(), 194580);
  v1::InvoiceEmail email;
  grpc::Status status = RenderEmail(invoice.id(), &email);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_THAT(email.body(), ::testing::HasSubstr("Amount due: CHF 1945.80\n"));
}

// BP-4: every placeholder of the company's own templates is filled from the
// FINAL invoice (spaces inside the braces allowed); other braces are text.
// Amounts are decimals with the currency's digits (none for JPY).
TEST_F(InvoiceDocumentsTest, EmailFillsEveryPlaceholder) {  // BP-4, LC-3
  const std::string subject = "{{invoice_number}} | {{ company_name }} | {{currency_code}} {{amount_due}}";
  const std::string body =
      "number={{invoice_number}}\ncustomer={{customer_name}}\ncompany={{company_name}}\n"
      "due={{amount_due}}\ntotal={{total}}\ncurrency={{currency_code}}\nissued={{issue_date}}\n"
      "due_date={{ due_date }}\npo={{po_number}}\nurl=[{{pay_now_url}}]\n{plain} }} {x}\n";
  v1::Company saved;
  grpc::Status status = SaveTemplates(subject, body, &saved);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(saved.email_subject_template(), subject);
  EXPECT_EQ(saved.email_body_template(), body);

  v1::Invoice invoice = Moved(NewDraft({Line("Consulting", "1.5", 15000, "8.1")}, "PO-5"), Move::kFinalize);
  NewPayment(clerk_, customer_.id(), 8108, {{invoice.id(), 8108}});
  invoice = GetInvoice(clerk_, invoice.id());
  ASSERT_EQ(invoice.outstanding().minor_units(), 16215);
  v1::InvoiceEmail email;
  status = RenderEmail(invoice.id(), &email, invoice.version());
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(email.to(), customer_.email());
  EXPECT_EQ(email.subject(), std::string("INV-000001 | ") + kUnicodeCompany + " | CHF 162.15");
  EXPECT_EQ(email.body(), std::string("number=INV-000001\ncustomer=Müller & Søn GmbH\ncompany=") + kUnicodeCompany +
                              "\ndue=162.15\ntotal=243.23\ncurrency=CHF\nissued=2024-03-10\n"
                              "due_date=2024-04-09\npo=PO-5\nurl=[]\n{plain} }} {x}\n");
  status = RenderEmail(invoice.id(), &email, invoice.version() + 1);
  EXPECT_EQ(status.error_code(), StatusCode::ABORTED) << StatusText(status);

  // A yen customer: no decimals.
  v1::CreateCustomerRequest request;
  request.mutable_customer()->set_display_name("Tanaka KK");
  request.mutable_customer()->set_email(Unique("ap") + "@tanaka.example");
  request.mutable_customer()->set_currency_code("JPY");
  request.mutable_customer()->set_payment_terms_days(10);
  v1::Customer yen;
  ASSERT_TRUE(api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &yen).ok());
  v1::Invoice yen_invoice = NewFinalInvoice(clerk_, yen.id(), {Line("Seminar", "3", 5000, "10")});
  ASSERT_EQ(yen_invoice.total().minor_units(), 16500);
  NewPayment(clerk_, yen.id(), 1500, {{yen_invoice.id(), 1500}}, "JPY");
  status = RenderEmail(yen_invoice.id(), &email);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(email.subject(), std::string("INV-000002 | ") + kUnicodeCompany + " | JPY 15000");
  EXPECT_THAT(email.body(), HasSubstr("\ndue=15000\ntotal=16500\ncurrency=JPY\n"));
  EXPECT_THAT(email.body(), HasSubstr("\ndue_date=2024-03-20\npo=\n"));
}

// Only a FINAL invoice is emailed: DRAFT, REISSUE and VOID are
// FAILED_PRECONDITION with rule LIFECYCLE naming the state.
TEST_F(InvoiceDocumentsTest, EmailOnlyForFinalInvoices) {  // LIFECYCLE, BP-4
  v1::Invoice draft = NewDraft(SampleLines());
  v1::Invoice reissue = Moved(Moved(NewDraft(SampleLines()), Move::kFinalize), Move::kReissue);
  v1::Invoice voided = Moved(NewDraft(SampleLines()), Move::kVoid);
  for (const v1::Invoice& invoice : {draft, reissue, voided}) {
    std::string state = v1::InvoiceState_Name(invoice.state()).substr(std::string("INVOICE_STATE_").size());
    SCOPED_TRACE(state);
    v1::InvoiceEmail email;
    grpc::Status status = RenderEmail(invoice.id(), &email);
    EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
    EXPECT_EQ(PreconditionRule(status), "LIFECYCLE");
    EXPECT_THAT(status.error_message(), HasSubstr(state));
  }
}

// BP-4 / admin_service.proto: a template with an unknown placeholder (or an
// unclosed one) is refused when saved, INVALID_ARGUMENT on its field, and
// nothing is saved: the company and its rendered email stay as they were.
TEST_F(InvoiceDocumentsTest, UnknownPlaceholderRefusedAtSave) {  // BP-4
  v1::Company saved;
  ASSERT_TRUE(SaveTemplates("Rechnung {{invoice_number}}", "Betrag {{amount_due}}", &saved).ok());
  const v1::Company before = GetCompany();
  int64_t audit_before = Count("SELECT count(*) FROM audit_log" + Where());
  struct Case {
    std::string subject, body;
    std::vector<std::string> fields;
  };
  const std::vector<Case> cases = {
      {"Invoice {{invoice_no}}", "Betrag {{amount_due}}", {"company.email_subject_template"}},
      {"Rechnung {{invoice_number}}", "Hello {{ amount }}", {"company.email_body_template"}},
      {"{{payNowUrl}}", "{{customer}}", {"company.email_subject_template", "company.email_body_template"}},
      {"Invoice {{total", "Betrag", {"company.email_subject_template"}},
      {"Invoice", "{{}}", {"company.email_body_template"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.subject + " / " + c.body);
    v1::Company response;
    grpc::Status status = SaveTemplates(c.subject, c.body, &response);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
    std::vector<std::string> fields = ViolationFields(status);
    if (c.fields.size() == 1)
      EXPECT_THAT(fields, ElementsAre(c.fields[0]));
    else
      EXPECT_THAT(fields, UnorderedElementsAre(c.fields[0], c.fields[1]));
  }
  v1::Company response;
  grpc::Status unknown = SaveTemplates("Invoice {{invoice_no}}", "", &response);
  EXPECT_THAT(ViolationDescription(unknown, "company.email_subject_template"), HasSubstr("invoice_no"));
  EXPECT_TRUE(SameMessage(GetCompany(), before));
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log" + Where()), audit_before);
  EXPECT_EQ(Sql("SELECT email_subject_template FROM companies" + Where()), "Rechnung {{invoice_number}}");

  v1::Invoice invoice = Moved(NewDraft({Line("Consulting", "1.5", 15000, "8.1")}), Move::kFinalize);
  v1::InvoiceEmail email;
  ASSERT_TRUE(RenderEmail(invoice.id(), &email).ok());
  EXPECT_EQ(email.subject(), "Rechnung INV-000001");
  EXPECT_EQ(email.body(), "Betrag 243.23");

  // Empty templates mean the defaults again.
  ASSERT_TRUE(SaveTemplates("", "", &saved).ok());
  ASSERT_TRUE(RenderEmail(invoice.id(), &email).ok());
  EXPECT_EQ(email.subject(), std::string("Invoice INV-000001 from ") + kUnicodeCompany);
}

// BP-5: backup attachments are kept beside the invoice and come back
// byte for byte, in chunks of at most 64 KiB, the first describing the file
// with the SHA-256 of its bytes; 1 byte to 3 MiB.
TEST_F(InvoiceDocumentsTest, AttachmentsComeBackByteForByte) {  // BP-5
  v1::Invoice invoice = NewDraft(SampleLines());
  std::mt19937 random(7);
  std::string scan(200'000, '\0');
  for (char& c : scan) c = static_cast<char>(random() & 0xFF);
  std::string largest(kMaxAttachmentBytes, 'x');
  struct File {
    std::string name, content_type, content, expected_type;
  };
  const std::vector<File> files = {{"notes.txt", "text/plain", "Backup notes\n", "text/plain"},
                                   {"scan Zürich.bin", "", scan, "application/octet-stream"},
                                   {"largest.pdf", "application/pdf", largest, "application/pdf"}};
  std::vector<v1::InvoiceAttachment> added;
  for (const File& file : files) {
    v1::InvoiceAttachment attachment;
    grpc::Status status = AddAttachment(invoice.id(), file.name, file.content_type, file.content, &attachment);
    ASSERT_TRUE(status.ok()) << file.name << ": " << StatusText(status);
    EXPECT_EQ(attachment.invoice_id(), invoice.id());
    EXPECT_EQ(attachment.file_name(), file.name);
    EXPECT_EQ(attachment.content_type(), file.expected_type);
    EXPECT_EQ(attachment.size_bytes(), static_cast<int64_t>(file.content.size()));
    EXPECT_EQ(attachment.sha256(), Sha256Hex(file.content));
    added.push_back(attachment);
  }
  v1::ListInvoiceAttachmentsRequest list;
  list.set_invoice_id(invoice.id());
  v1::ListInvoiceAttachmentsResponse listed;
  ASSERT_TRUE(api().invoices().ListInvoiceAttachments(ApiClient::Context(clerk_).get(), list, &listed).ok());
  ASSERT_EQ(listed.attachments_size(), 3);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(files[i].name);
    EXPECT_TRUE(SameMessage(listed.attachments(i), added[i]));
    Download download = FetchAttachment(invoice.id(), added[i].id());
    ASSERT_TRUE(download.status.ok()) << StatusText(download.status);
    EXPECT_TRUE(download.bytes == files[i].content);
    EXPECT_EQ(download.first.sha256(), Sha256Hex(files[i].content));
    EXPECT_EQ(download.first.total_size(), static_cast<int64_t>(files[i].content.size()));
    EXPECT_EQ(download.first.content_type(), files[i].expected_type);
    EXPECT_EQ(download.first.file_name(), files[i].name);
    EXPECT_TRUE(download.chunks_within_limit);
    EXPECT_TRUE(download.later_chunks_bare);
    EXPECT_GE(download.chunks, static_cast<int>((files[i].content.size() + kMaxChunkBytes - 1) / kMaxChunkBytes));
  }

  // Refused: empty, over 3 MiB, no name, not a media type, a VIEWER key, an
  // attachment of another invoice. Nothing is stored.
  int64_t stored = Count("SELECT count(*) FROM invoice_attachments" + Where());
  v1::InvoiceAttachment refused;
  grpc::Status status = AddAttachment(invoice.id(), "empty.txt", "text/plain", "", &refused);
  EXPECT_THAT(ViolationFields(status), ElementsAre("content"));
  status = AddAttachment(invoice.id(), "big.bin", "", std::string(kMaxAttachmentBytes + 1, 'y'), &refused);
  EXPECT_THAT(ViolationFields(status), ElementsAre("content"));
  status = AddAttachment(invoice.id(), "", "text/plain", "x", &refused);
  EXPECT_THAT(ViolationFields(status), ElementsAre("file_name"));
  status = AddAttachment(invoice.id(), "a.txt", "plain text", "x", &refused);
  EXPECT_THAT(ViolationFields(status), ElementsAre("content_type"));
  status = AddAttachment(invoice.id(), "a.txt", "text/plain", "x", &refused, NewKey(admin_, v1::ROLE_VIEWER));
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
  EXPECT_EQ(Count("SELECT count(*) FROM invoice_attachments" + Where()), stored);
  v1::Invoice other = NewDraft(SampleLines());
  Download wrong = FetchAttachment(other.id(), added[0].id());
  EXPECT_EQ(wrong.status.error_code(), StatusCode::NOT_FOUND) << StatusText(wrong.status);
}

// BP-5: attachments never enter the invoice's PDF. Invoice A has a text
// attachment with a distinctive word and a copy of another invoice's PDF
// (with another distinctive word) before it is finalized; its PDF holds
// neither word, has as many pages as the same invoice B without
// attachments, and reads the same but for the number. An attachment added
// after finalizing leaves the PDF as it is.
TEST_F(InvoiceDocumentsTest, AttachmentsNeverEnterThePdf) {  // BP-5, LC-2
  v1::Invoice other = Moved(NewDraft({Line("Platypusfeather service", "1", 100, "0")}), Move::kFinalize);
  std::string other_pdf = Pdf(other.id());
  ASSERT_THAT(PdfText(other_pdf), HasSubstr("Platypusfeather"));

  v1::Invoice a = NewDraft(SampleLines());
  v1::Invoice b = NewDraft(SampleLines());
  v1::InvoiceAttachment attachment;
  ASSERT_TRUE(
      AddAttachment(a.id(), "backup.txt", "text/plain", "Backup: Quokkaberry delivery note\n", &attachment).ok());
  ASSERT_TRUE(AddAttachment(a.id(), "other.pdf", "application/pdf", other_pdf, &attachment).ok());
  a = Moved(GetInvoice(clerk_, a.id()), Move::kFinalize);
  b = Moved(b, Move::kFinalize);
  ASSERT_EQ(a.number().size(), b.number().size());

  std::string a_pdf = Pdf(a.id());
  std::string b_pdf = Pdf(b.id());
  std::string a_text = PdfText(a_pdf);
  EXPECT_THAT(a_text, Not(HasSubstr("Quokkaberry")));
  EXPECT_THAT(a_text, Not(HasSubstr("Platypusfeather")));
  EXPECT_THAT(a_text, Not(HasSubstr("backup.txt")));
  EXPECT_EQ(PdfPages(a_pdf), PdfPages(b_pdf));
  EXPECT_EQ(PdfPages(a_pdf), 1);
  EXPECT_EQ(ReplaceAll(a_text, a.number(), "<number>"), ReplaceAll(PdfText(b_pdf), b.number(), "<number>"));

  ASSERT_TRUE(AddAttachment(a.id(), "late.txt", "text/plain", "Quokkaberry again", &attachment).ok());
  Download after = FetchPdf(a.id());
  ASSERT_TRUE(after.status.ok());
  EXPECT_EQ(after.first.sha256(), Sha256Hex(a_pdf));
  EXPECT_TRUE(after.bytes == a_pdf);
}

}  // namespace
}  // namespace invoicehub::e2e
