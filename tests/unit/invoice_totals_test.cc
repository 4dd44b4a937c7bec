// ComputeTotals: line net = unit price x quantity, tax per line, invoice
// subtotal / tax / total, and outstanding (LC-3). All rounding is half away
// from zero, in integer minor units; an overflow is an error, never a wrap.

#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/invoice.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

InvoiceLine Line(int64_t unit_price_minor, int64_t quantity_e4, int64_t tax_rate_e3 = 0) {
  InvoiceLine line;
  line.description = "line";
  line.unit_price_minor = unit_price_minor;
  line.quantity_e4 = quantity_e4;
  line.tax_rate_e3 = tax_rate_e3;
  return line;
}

Invoice WithLines(std::vector<InvoiceLine> lines, int64_t applied_minor = 0) {
  Invoice invoice;
  invoice.currency_code = "EUR";
  invoice.lines = std::move(lines);
  invoice.applied_minor = applied_minor;
  return invoice;
}

void ExpectOverflowOn(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u) << status;
  EXPECT_EQ(FieldViolationsOf(status)[0].field, field);
  EXPECT_THAT(FieldViolationsOf(status)[0].description, HasSubstr("too large"));
}

TEST(ComputeTotalsTest, NetTaxAndSums) {
  Invoice invoice = WithLines({
      Line(1999, 30000, 8100),  // 19.99 x 3 = 59.97; 8.1% = 4.85757 -> 4.86
      Line(333, 15000, 7700),   // 3.33 x 1.5 = 4.995 -> 5.00; 7.7% = 0.385 -> 0.39
  });
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].net_minor, 5997);
  EXPECT_EQ(invoice.lines[0].tax_minor, 486);
  EXPECT_EQ(invoice.lines[1].net_minor, 500);
  EXPECT_EQ(invoice.lines[1].tax_minor, 39);
  EXPECT_EQ(invoice.subtotal_minor, 6497);
  EXPECT_EQ(invoice.tax_total_minor, 525);
  EXPECT_EQ(invoice.total_minor, 7022);
  EXPECT_EQ(invoice.outstanding_minor, 7022);  // LC-3, nothing applied
}

TEST(ComputeTotalsTest, LineNetRoundsHalfAwayFromZero) {
  Invoice invoice = WithLines({
      Line(1, 5000),    // 0.5 -> 1
      Line(1, 4999),    // 0.4999 -> 0
      Line(3, 5000),    // 1.5 -> 2
      Line(5, 5000),    // 2.5 -> 3 (not banker's 2)
      Line(-5, 5000),   // credit: -2.5 -> -3
      Line(-1, 4999),   // -0.4999 -> 0
  });
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].net_minor, 1);
  EXPECT_EQ(invoice.lines[1].net_minor, 0);
  EXPECT_EQ(invoice.lines[2].net_minor, 2);
  EXPECT_EQ(invoice.lines[3].net_minor, 3);
  EXPECT_EQ(invoice.lines[4].net_minor, -3);
  EXPECT_EQ(invoice.lines[5].net_minor, 0);
  EXPECT_EQ(invoice.subtotal_minor, 3);
}

TEST(ComputeTotalsTest, TaxIsRoundedPerLine) {
  // Two lines of 0.50 at 1%: 0.005 each rounds to 0.01 per line, so the
  // invoice shows 0.02 tax, not round(0.01) = 0.01 computed on the subtotal.
  Invoice invoice = WithLines({Line(50, 10000, 1000), Line(50, 10000, 1000)});
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].tax_minor, 1);
  EXPECT_EQ(invoice.lines[1].tax_minor, 1);
  EXPECT_EQ(invoice.subtotal_minor, 100);
  EXPECT_EQ(invoice.tax_total_minor, 2);
  EXPECT_EQ(invoice.total_minor, 102);
}

TEST(ComputeTotalsTest, TaxRoundsHalfAwayFromZeroOnCredits) {
  Invoice invoice = WithLines({Line(-50, 10000, 1000)});  // -0.005 -> -0.01
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].tax_minor, -1);
  EXPECT_EQ(invoice.total_minor, -51);
  EXPECT_EQ(invoice.outstanding_minor, 0);  // LC-3: never negative
}

TEST(ComputeTotalsTest, FullTaxRate) {
  Invoice invoice = WithLines({Line(12345, 10000, kHundredPercent)});
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.tax_total_minor, 12345);
  EXPECT_EQ(invoice.total_minor, 24690);
}

TEST(ComputeTotalsTest, NoLinesIsAllZero) {
  Invoice invoice = WithLines({});
  invoice.subtotal_minor = invoice.tax_total_minor = invoice.total_minor = invoice.outstanding_minor = 99;
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.subtotal_minor, 0);
  EXPECT_EQ(invoice.tax_total_minor, 0);
  EXPECT_EQ(invoice.total_minor, 0);
  EXPECT_EQ(invoice.outstanding_minor, 0);
}

TEST(ComputeTotalsTest, RecomputingReplacesOldTotals) {
  Invoice invoice = WithLines({Line(1000, 10000)});
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  invoice.lines[0].quantity_e4 = 20000;
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].net_minor, 2000);
  EXPECT_EQ(invoice.total_minor, 2000);
}

TEST(ComputeTotalsTest, LargeButRepresentableAmounts) {
  // 128-bit intermediate: INT64_MAX x 1.0000 is exact.
  Invoice invoice = WithLines({Line(kMax, kQuantityOne)});
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.total_minor, kMax);
  EXPECT_EQ(invoice.outstanding_minor, kMax);
}

TEST(ComputeTotalsTest, LineNetOverflowIsInvalidArgumentOnLines) {
  Invoice invoice = WithLines({Line(kMax, 20000)});
  ExpectOverflowOn(ComputeTotals(invoice), "lines");
}

TEST(ComputeTotalsTest, SubtotalOverflowIsInvalidArgumentOnLines) {
  Invoice invoice = WithLines({Line(kMax / 2 + 1, kQuantityOne), Line(kMax / 2 + 1, kQuantityOne)});
  ExpectOverflowOn(ComputeTotals(invoice), "lines");
}

TEST(ComputeTotalsTest, TotalOverflowIsInvalidArgumentOnLines) {
  Invoice invoice = WithLines({Line(kMax, kQuantityOne, 1000)});  // net fits, net + 1% does not
  ExpectOverflowOn(ComputeTotals(invoice), "lines");
}

TEST(ComputeTotalsTest, OverflowUsesTheGivenField) {
  Invoice invoice = WithLines({Line(kMax, 20000)});
  ExpectOverflowOn(ComputeTotals(invoice, "invoice.lines"), "invoice.lines");
}

// LC-3: outstanding = total - payments and prepayments applied.
TEST(ComputeTotalsTest, OutstandingIsTotalMinusApplied) {  // LC-3
  Invoice invoice = WithLines({Line(10000, kQuantityOne)}, /*applied_minor=*/2500);
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.total_minor, 10000);
  EXPECT_EQ(invoice.outstanding_minor, 7500);
}

TEST(ComputeTotalsTest, OutstandingIsZeroWhenFullyPaid) {  // LC-3, BP-2 (nets to zero)
  Invoice invoice = WithLines({Line(10000, kQuantityOne)}, /*applied_minor=*/10000);
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.outstanding_minor, 0);
}

TEST(ComputeTotalsTest, OutstandingIsNeverNegative) {  // LC-3
  Invoice invoice = WithLines({Line(10000, kQuantityOne)}, /*applied_minor=*/15000);
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.total_minor, 10000);
  EXPECT_EQ(invoice.applied_minor, 15000);  // applied is not touched
  EXPECT_EQ(invoice.outstanding_minor, 0);
}

TEST(ComputeTotalsTest, OutstandingFollowsLineEdits) {  // LC-3
  Invoice invoice = WithLines({Line(10000, kQuantityOne)}, /*applied_minor=*/4000);
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.outstanding_minor, 6000);
  invoice.lines[0].quantity_e4 = 3000;  // total 3000 < applied 4000
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.outstanding_minor, 0);
}

TEST(ComputeTotalsTest, ParsedLinesEndToEnd) {
  FieldErrors errors;
  Invoice invoice;
  invoice.currency_code = "CHF";
  invoice.lines = ParseInvoiceLines(
      errors, "lines",
      {{"Consulting", "2.5", Money{"CHF", 15000}, "8.1"}, {"Travel", "1", Money{"", 4550}, ""}}, "CHF");
  ASSERT_THAT(errors.violations(), testing::IsEmpty());
  ASSERT_TRUE(ComputeTotals(invoice).ok());
  EXPECT_EQ(invoice.lines[0].net_minor, 37500);  // 150.00 x 2.5
  EXPECT_EQ(invoice.lines[0].tax_minor, 3038);   // 8.1% of 375.00 = 30.375 -> 30.38
  EXPECT_EQ(invoice.lines[1].net_minor, 4550);
  EXPECT_EQ(invoice.lines[1].tax_minor, 0);
  EXPECT_EQ(invoice.subtotal_minor, 42050);
  EXPECT_EQ(invoice.tax_total_minor, 3038);
  EXPECT_EQ(invoice.total_minor, 45088);
}

}  // namespace
}  // namespace invoicehub::domain
