// The strings the invoice PDF prints: amounts in each currency's minor
// digits with the code, quantities, tax rates, ISO dates, address lines.

#include "integrations/pdf/invoice_text.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invoicehub::pdf {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(AmountTextTest, PrintsTwoMinorDigitsForEurWithoutThousandsSeparators) {
  EXPECT_EQ(AmountText(123450, 2, "EUR"), "1234.50 EUR");
  EXPECT_EQ(AmountText(123456789, 2, "EUR"), "1234567.89 EUR");
}

TEST(AmountTextTest, PadsSmallAmountsWithLeadingZeros) {
  EXPECT_EQ(AmountText(0, 2, "EUR"), "0.00 EUR");
  EXPECT_EQ(AmountText(5, 2, "EUR"), "0.05 EUR");
  EXPECT_EQ(AmountText(7, 3, "BHD"), "0.007 BHD");
}

TEST(AmountTextTest, PrintsNoDecimalPointForZeroDigitCurrencies) {
  EXPECT_EQ(AmountText(1235, 0, "JPY"), "1235 JPY");
  EXPECT_EQ(AmountText(0, 0, "JPY"), "0 JPY");
}

TEST(AmountTextTest, PrintsThreeMinorDigitsForBhd) {
  EXPECT_EQ(AmountText(1234500, 3, "BHD"), "1234.500 BHD");
}

TEST(AmountTextTest, KeepsTheSignOfNegativeAmountsIncludingTheSmallestInt64) {
  EXPECT_EQ(AmountText(-125, 3, "BHD"), "-0.125 BHD");
  EXPECT_EQ(AmountText(std::numeric_limits<int64_t>::min(), 2, "EUR"), "-92233720368547758.08 EUR");
}

TEST(QuantityTextTest, PrintsTheShortestDecimal) {
  EXPECT_EQ(QuantityText(15000), "1.5");
  EXPECT_EQ(QuantityText(20000), "2");
  EXPECT_EQ(QuantityText(1), "0.0001");
}

TEST(TaxRateTextTest, PrintsPercentWithItsSign) {
  EXPECT_EQ(TaxRateText(8100), "8.1%");
  EXPECT_EQ(TaxRateText(0), "0%");
  EXPECT_EQ(TaxRateText(19000), "19%");
}

TEST(DateTextTest, IsIso8601) { EXPECT_EQ(DateText(absl::CivilDay(2026, 1, 5)), "2026-01-05"); }

TEST(AddressLinesTest, PutsPostalCodeBeforeLocalityAndSkipsEmptyParts) {
  domain::PostalAddress address;
  address.address_lines = {"Bahnhofstrasse 1", "Postfach 12"};
  address.postal_code = "8001";
  address.locality = "Zürich";
  address.region_code = "CH";
  EXPECT_THAT(AddressLines(address), ElementsAre("Bahnhofstrasse 1", "Postfach 12", "8001 Zürich", "CH"));

  domain::PostalAddress locality_only;
  locality_only.locality = "Tokyo";
  locality_only.administrative_area = "Tokyo-to";
  EXPECT_THAT(AddressLines(locality_only), ElementsAre("Tokyo", "Tokyo-to"));

  EXPECT_THAT(AddressLines(domain::PostalAddress{}), IsEmpty());
}

}  // namespace
}  // namespace invoicehub::pdf
