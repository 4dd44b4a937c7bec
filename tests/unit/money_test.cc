// Money: ISO 4217 minor digits and checked integer arithmetic (DOMAIN.md:
// "Money is an integer count of minor units ... Never a float").

#include "server/domain/money.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invoicehub::domain {
namespace {

using ::testing::Optional;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(CurrencyMinorDigitsTest, KnownCurrencies) {
  EXPECT_THAT(CurrencyMinorDigits("EUR"), Optional(2));
  EXPECT_THAT(CurrencyMinorDigits("CHF"), Optional(2));
  EXPECT_THAT(CurrencyMinorDigits("USD"), Optional(2));
  EXPECT_THAT(CurrencyMinorDigits("JPY"), Optional(0));
  EXPECT_THAT(CurrencyMinorDigits("KRW"), Optional(0));
  EXPECT_THAT(CurrencyMinorDigits("BHD"), Optional(3));
  EXPECT_THAT(CurrencyMinorDigits("KWD"), Optional(3));
  // First and last entries of the table (binary search edges).
  EXPECT_THAT(CurrencyMinorDigits("AED"), Optional(2));
  EXPECT_THAT(CurrencyMinorDigits("ZWL"), Optional(2));
}

TEST(CurrencyMinorDigitsTest, UnknownOrMalformedCodes) {
  EXPECT_FALSE(CurrencyMinorDigits("XXX").has_value());
  EXPECT_FALSE(CurrencyMinorDigits("eur").has_value());  // upper case only
  EXPECT_FALSE(CurrencyMinorDigits("Eur").has_value());
  EXPECT_FALSE(CurrencyMinorDigits("").has_value());
  EXPECT_FALSE(CurrencyMinorDigits("EU").has_value());
  EXPECT_FALSE(CurrencyMinorDigits("EURO").has_value());
  EXPECT_FALSE(CurrencyMinorDigits(" EUR").has_value());
  EXPECT_FALSE(CurrencyMinorDigits("AAA").has_value());  // before the first entry
  EXPECT_FALSE(CurrencyMinorDigits("ZZZ").has_value());  // after the last entry
}

TEST(CurrencyMinorDigitsTest, IsKnownCurrencyAgrees) {
  EXPECT_TRUE(IsKnownCurrency("EUR"));
  EXPECT_TRUE(IsKnownCurrency("JPY"));
  EXPECT_FALSE(IsKnownCurrency("XXX"));
  EXPECT_FALSE(IsKnownCurrency("eur"));
  EXPECT_FALSE(IsKnownCurrency(""));
}

TEST(MoneyTest, EqualityComparesCurrencyAndAmount) {
  EXPECT_EQ((Money{"EUR", 100}), (Money{"EUR", 100}));
  EXPECT_NE((Money{"EUR", 100}), (Money{"USD", 100}));
  EXPECT_NE((Money{"EUR", 100}), (Money{"EUR", 101}));
}

TEST(CheckedAddTest, InRange) {
  EXPECT_THAT(CheckedAdd(2, 3), Optional(5));
  EXPECT_THAT(CheckedAdd(-2, 3), Optional(1));
  EXPECT_THAT(CheckedAdd(kMax, 0), Optional(kMax));
  EXPECT_THAT(CheckedAdd(kMax - 1, 1), Optional(kMax));
  EXPECT_THAT(CheckedAdd(kMin, 0), Optional(kMin));
  EXPECT_THAT(CheckedAdd(kMin + 1, -1), Optional(kMin));
  EXPECT_THAT(CheckedAdd(kMax, kMin), Optional(-1));
}

TEST(CheckedAddTest, OverflowIsAnErrorNotAWrap) {
  EXPECT_FALSE(CheckedAdd(kMax, 1).has_value());
  EXPECT_FALSE(CheckedAdd(1, kMax).has_value());
  EXPECT_FALSE(CheckedAdd(kMax, kMax).has_value());
  EXPECT_FALSE(CheckedAdd(kMin, -1).has_value());
  EXPECT_FALSE(CheckedAdd(kMin, kMin).has_value());
}

TEST(CheckedSubTest, InRange) {
  EXPECT_THAT(CheckedSub(5, 3), Optional(2));
  EXPECT_THAT(CheckedSub(3, 5), Optional(-2));
  EXPECT_THAT(CheckedSub(kMin + 1, 1), Optional(kMin));
  EXPECT_THAT(CheckedSub(kMax, kMax), Optional(0));
  EXPECT_THAT(CheckedSub(-1, kMax), Optional(kMin));
}

TEST(CheckedSubTest, OverflowIsAnErrorNotAWrap) {
  EXPECT_FALSE(CheckedSub(kMin, 1).has_value());
  EXPECT_FALSE(CheckedSub(kMax, -1).has_value());
  EXPECT_FALSE(CheckedSub(0, kMin).has_value());  // -INT64_MIN does not fit
  EXPECT_FALSE(CheckedSub(kMax, kMin).has_value());
}

TEST(MulDivRoundedTest, ExactResults) {
  EXPECT_THAT(MulDivRounded(0, 7, 3), Optional(0));
  EXPECT_THAT(MulDivRounded(6, 1, 2), Optional(3));
  EXPECT_THAT(MulDivRounded(1999, 30000, 10000), Optional(5997));
  EXPECT_THAT(MulDivRounded(-6, 1, 2), Optional(-3));
  EXPECT_THAT(MulDivRounded(7, 1, 1), Optional(7));
}

TEST(MulDivRoundedTest, RoundsHalfAwayFromZero) {
  EXPECT_THAT(MulDivRounded(5, 1, 2), Optional(3));    // 2.5 -> 3
  EXPECT_THAT(MulDivRounded(-5, 1, 2), Optional(-3));  // -2.5 -> -3
  EXPECT_THAT(MulDivRounded(5, -1, 2), Optional(-3));  // sign from the numerator
  EXPECT_THAT(MulDivRounded(4, 1, 2), Optional(2));    // exact
  EXPECT_THAT(MulDivRounded(1, 1, 2), Optional(1));    // 0.5 -> 1
  EXPECT_THAT(MulDivRounded(-1, 1, 2), Optional(-1));  // -0.5 -> -1
  EXPECT_THAT(MulDivRounded(3, 1, 2), Optional(2));    // 1.5 -> 2 (not banker's)
}

TEST(MulDivRoundedTest, RoundsBelowHalfTowardZero) {
  EXPECT_THAT(MulDivRounded(1, 1, 3), Optional(0));      // 0.333
  EXPECT_THAT(MulDivRounded(2, 1, 3), Optional(1));      // 0.667
  EXPECT_THAT(MulDivRounded(-1, 1, 3), Optional(0));     // -0.333
  EXPECT_THAT(MulDivRounded(-2, 1, 3), Optional(-1));    // -0.667
  EXPECT_THAT(MulDivRounded(4999, 1, 10000), Optional(0));
  EXPECT_THAT(MulDivRounded(5000, 1, 10000), Optional(1));
  EXPECT_THAT(MulDivRounded(-4999, 1, 10000), Optional(0));
  EXPECT_THAT(MulDivRounded(-5000, 1, 10000), Optional(-1));
}

TEST(MulDivRoundedTest, Uses128BitIntermediate) {
  // value * numerator overflows int64, the quotient does not.
  EXPECT_THAT(MulDivRounded(kMax, 10000, 10000), Optional(kMax));
  EXPECT_THAT(MulDivRounded(kMin, 10000, 10000), Optional(kMin));
  EXPECT_THAT(MulDivRounded(kMax, kMax, kMax), Optional(kMax));
  EXPECT_THAT(MulDivRounded(kMin, kMax, kMax), Optional(kMin));
  EXPECT_FALSE(MulDivRounded(kMin, kMin, kMax).has_value());  // 2^126 / (2^63 - 1) > INT64_MAX
  EXPECT_THAT(MulDivRounded(kMax, 3, 4), Optional(6917529027641081855));  // 6917529027641081855.25
}

TEST(MulDivRoundedTest, OverflowOfTheResultIsNullopt) {
  EXPECT_FALSE(MulDivRounded(kMax, 2, 1).has_value());
  EXPECT_FALSE(MulDivRounded(kMin, 2, 1).has_value());
  EXPECT_FALSE(MulDivRounded(kMin, -1, 1).has_value());  // 2^63
  EXPECT_FALSE(MulDivRounded(kMax, 10001, 10000).has_value());
  // (2^32 + 1) * (2^32 - 1) / 2 = INT64_MAX + 0.5: rounding away from zero
  // pushes it past the limit; the negative mirror rounds to exactly INT64_MIN.
  EXPECT_FALSE(MulDivRounded(4294967297, 4294967295, 2).has_value());
  EXPECT_THAT(MulDivRounded(-4294967297, 4294967295, 2), Optional(kMin));
}

TEST(MulDivRoundedTest, NonPositiveDenominatorIsNullopt) {
  EXPECT_FALSE(MulDivRounded(10, 1, 0).has_value());
  EXPECT_FALSE(MulDivRounded(10, 1, -1).has_value());
  EXPECT_FALSE(MulDivRounded(0, 0, 0).has_value());
  EXPECT_FALSE(MulDivRounded(10, 1, kMin).has_value());
}

// Amounts in emails and PDFs keep every minor digit: "1945.80", not "1945.8".
TEST(FormatMinorUnitsTest, KeepsEveryMinorDigit) {  // BP-4 (amount_due in the email)
  EXPECT_EQ(FormatMinorUnits(194580, 2), "1945.80");
  EXPECT_EQ(FormatMinorUnits(100, 2), "1.00");
  EXPECT_EQ(FormatMinorUnits(5, 2), "0.05");
  EXPECT_EQ(FormatMinorUnits(0, 2), "0.00");
  EXPECT_EQ(FormatMinorUnits(1235, 0), "1235");
  EXPECT_EQ(FormatMinorUnits(-125, 3), "-0.125");
  EXPECT_EQ(FormatMinorUnits(std::numeric_limits<int64_t>::min(), 2), "-92233720368547758.08");
}

}  // namespace
}  // namespace invoicehub::domain
