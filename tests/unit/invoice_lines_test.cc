// ParseInvoiceLines: client lines (decimals as text, price as Money) into
// invoice lines; every problem of every line is reported at once.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/invoice.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

InvoiceLineInput Line(std::string quantity = "1.5", std::optional<Money> price = Money{"EUR", 1999},
                      std::string tax = "8.1", std::string description = "Consulting") {
  return {std::move(description), std::move(quantity), std::move(price), std::move(tax)};
}

TEST(ParseInvoiceLinesTest, ParsesAValidLine) {
  FieldErrors errors;
  std::vector<InvoiceLine> lines = ParseInvoiceLines(errors, "lines", {Line()}, "EUR");
  EXPECT_THAT(errors.violations(), IsEmpty());
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0].description, "Consulting");
  EXPECT_EQ(lines[0].quantity_e4, 15000);
  EXPECT_EQ(lines[0].unit_price_minor, 1999);
  EXPECT_EQ(lines[0].tax_rate_e3, 8100);
}

TEST(ParseInvoiceLinesTest, EmptyLineCurrencyInheritsInvoiceCurrency) {
  FieldErrors errors;
  std::vector<InvoiceLine> lines = ParseInvoiceLines(errors, "lines", {Line("2", Money{"", 500})}, "JPY");
  EXPECT_THAT(errors.violations(), IsEmpty());
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0].unit_price_minor, 500);
}

TEST(ParseInvoiceLinesTest, TaxRateIsOptionalAndBounded) {
  FieldErrors errors;
  std::vector<InvoiceLine> lines = ParseInvoiceLines(
      errors, "lines", {Line("1", Money{"EUR", 1}, ""), Line("1", Money{"EUR", 1}, "0"),
                        Line("1", Money{"EUR", 1}, "100"), Line("1", Money{"EUR", 1}, "8.125")},
      "EUR");
  EXPECT_THAT(errors.violations(), IsEmpty());
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_EQ(lines[0].tax_rate_e3, 0);
  EXPECT_EQ(lines[1].tax_rate_e3, 0);
  EXPECT_EQ(lines[2].tax_rate_e3, 100000);
  EXPECT_EQ(lines[3].tax_rate_e3, 8125);
}

TEST(ParseInvoiceLinesTest, ZeroQuantityAndZeroPriceAreAllowed) {
  FieldErrors errors;
  ParseInvoiceLines(errors, "lines", {Line("0", Money{"EUR", 0})}, "EUR");
  EXPECT_THAT(errors.violations(), IsEmpty());
}

TEST(ParseInvoiceLinesTest, CollectsEveryViolationAtOnce) {
  std::vector<InvoiceLineInput> inputs = {
      Line(),                                        // 0: valid
      Line("-2"),                                    // 1: negative quantity
      Line("1", Money{"EUR", 100}, "100.001"),       // 2: tax rate over 100
      Line("1", Money{"USD", 100}),                  // 3: another currency
      Line("1", Money{"ABC", 100}),                  // 4: unknown currency
      Line("1", Money{"EUR", -1}),                   // 5: negative unit price
      Line("1", Money{"EUR", 100}, "8.1", ""),       // 6: missing description
      Line("1", std::nullopt),                       // 7: missing unit price
      Line(""),                                      // 8: missing quantity
      Line("1.23456"),                               // 9: too many decimals
      Line("1", Money{"EUR", 100}, "-5"),            // 10: negative tax rate
      Line("1", Money{"eur", 100}),                  // 11: lower-case currency
  };
  FieldErrors errors;
  ParseInvoiceLines(errors, "lines", inputs, "EUR");
  EXPECT_THAT(test::FieldsOf(errors),
              ElementsAre("lines[1].quantity", "lines[2].tax_rate_percent", "lines[3].unit_price.currency_code",
                          "lines[4].unit_price.currency_code", "lines[5].unit_price.minor_units",
                          "lines[6].description", "lines[7].unit_price", "lines[8].quantity", "lines[9].quantity",
                          "lines[10].tax_rate_percent", "lines[11].unit_price.currency_code"));
  EXPECT_THAT(test::DescriptionOf(errors, "lines[1].quantity"), HasSubstr("negative"));
  EXPECT_THAT(test::DescriptionOf(errors, "lines[3].unit_price.currency_code"), HasSubstr("EUR"));
  EXPECT_THAT(test::DescriptionOf(errors, "lines[3].unit_price.currency_code"), HasSubstr("mix"));
  EXPECT_THAT(test::DescriptionOf(errors, "lines[4].unit_price.currency_code"), HasSubstr("ISO 4217"));
  EXPECT_EQ(test::DescriptionOf(errors, "lines[6].description"), "is required");
  EXPECT_EQ(test::DescriptionOf(errors, "lines[7].unit_price"), "is required");
  EXPECT_EQ(test::DescriptionOf(errors, "lines[8].quantity"), "is required");

  // The payload carries all of them; the message names the first five and
  // counts the rest, so that it stays small enough for gRPC trailers.
  absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolationsOf(status), errors.violations());
  for (size_t i = 0; i < 5; ++i)
    EXPECT_THAT(std::string(status.message()), HasSubstr(errors.violations()[i].field));
  EXPECT_THAT(std::string(status.message()), HasSubstr("and 6 more (see details)"));
}

TEST(ParseInvoiceLinesTest, SeveralProblemsOnOneLine) {
  FieldErrors errors;
  ParseInvoiceLines(errors, "lines", {Line("x", Money{"USD", -5}, "101", "")}, "EUR");
  EXPECT_THAT(test::FieldsOf(errors),
              ElementsAre("lines[0].description", "lines[0].quantity", "lines[0].unit_price.currency_code",
                          "lines[0].unit_price.minor_units", "lines[0].tax_rate_percent"));
}

TEST(ParseInvoiceLinesTest, PathsUseTheGivenField) {
  FieldErrors errors;
  ParseInvoiceLines(errors, "invoice.lines", {Line(), Line("-1")}, "EUR");
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("invoice.lines[1].quantity"));
}

TEST(ParseInvoiceLinesTest, AtLeastOneLine) {
  FieldErrors errors;
  std::vector<InvoiceLine> lines = ParseInvoiceLines(errors, "lines", {}, "EUR");
  EXPECT_THAT(lines, IsEmpty());
  EXPECT_THAT(errors.violations(), ElementsAre(FieldViolation{"lines", "at least one line is required"}));
}

TEST(ParseInvoiceLinesTest, AtMost500Lines) {
  {
    FieldErrors errors;
    std::vector<InvoiceLine> lines =
        ParseInvoiceLines(errors, "lines", std::vector<InvoiceLineInput>(kMaxInvoiceLines, Line()), "EUR");
    EXPECT_THAT(errors.violations(), IsEmpty());
    EXPECT_THAT(lines, SizeIs(kMaxInvoiceLines));
  }
  {
    FieldErrors errors;
    ParseInvoiceLines(errors, "lines", std::vector<InvoiceLineInput>(kMaxInvoiceLines + 1, Line()), "EUR");
    EXPECT_THAT(errors.violations(), ElementsAre(FieldViolation{"lines", "must have at most 500 lines"}));
  }
}

TEST(ParseInvoiceLinesTest, DescriptionCountedInCharacters) {
  std::string description;
  for (int i = 0; i < 1000; ++i) description += "ü";  // 1000 characters, 2000 bytes
  FieldErrors errors;
  ParseInvoiceLines(errors, "lines", {Line("1", Money{"EUR", 1}, "", description)}, "EUR");
  EXPECT_THAT(errors.violations(), IsEmpty());
  ParseInvoiceLines(errors, "lines", {Line("1", Money{"EUR", 1}, "", description + "ü")}, "EUR");
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("lines[0].description"));
  ParseInvoiceLines(errors, "more", {Line("1", Money{"EUR", 1}, "", "Consulting\nMarch")}, "EUR");
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("lines[0].description", "more[0].description"));
}

TEST(ParseInvoiceLinesTest, QuantityForms) {
  FieldErrors errors;
  std::vector<InvoiceLine> lines =
      ParseInvoiceLines(errors, "lines", {Line("0.0001"), Line("001.2500"), Line("1000000")}, "EUR");
  EXPECT_THAT(errors.violations(), IsEmpty());
  ASSERT_THAT(lines, SizeIs(3));
  EXPECT_EQ(lines[0].quantity_e4, 1);
  EXPECT_EQ(lines[1].quantity_e4, 12500);
  EXPECT_EQ(lines[2].quantity_e4, 10'000'000'000);
  for (const char* bad : {"+1", "1e3", "1,5", " 1", "1.", ".5", "1234567890123456789012345"}) {
    FieldErrors e;
    ParseInvoiceLines(e, "lines", {Line(bad)}, "EUR");
    EXPECT_THAT(test::FieldsOf(e), ElementsAre("lines[0].quantity")) << bad;
  }
}

}  // namespace
}  // namespace invoicehub::domain
