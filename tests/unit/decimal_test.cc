// Fixed-point decimals as text: quantities (scale 4) and tax rates (scale 3)
// travel as strings so that no float ever touches an amount.

#include "server/domain/decimal.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invoicehub::domain {
namespace {

using ::testing::Optional;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

TEST(ParseScaledDecimalTest, AcceptsPlainDecimals) {
  EXPECT_THAT(ParseScaledDecimal("0", 4), Optional(0));
  EXPECT_THAT(ParseScaledDecimal("1", 4), Optional(10000));
  EXPECT_THAT(ParseScaledDecimal("1.5", 4), Optional(15000));
  EXPECT_THAT(ParseScaledDecimal("001.2500", 4), Optional(12500));
  EXPECT_THAT(ParseScaledDecimal("0.0001", 4), Optional(1));
  EXPECT_THAT(ParseScaledDecimal("12.3456", 4), Optional(123456));
  EXPECT_THAT(ParseScaledDecimal("8.125", 3), Optional(8125));
  EXPECT_THAT(ParseScaledDecimal("100", 3), Optional(100000));
  EXPECT_THAT(ParseScaledDecimal("42", 0), Optional(42));
}

TEST(ParseScaledDecimalTest, LeadingZerosDoNotOverflow) {
  EXPECT_THAT(ParseScaledDecimal(std::string(40, '0') + "1", 4), Optional(10000));
}

TEST(ParseScaledDecimalTest, RejectsMalformedText) {
  for (const char* text : {"", "-1", "+1", "1.", ".5", ".", "1e3", "1E3", " 1", "1 ", "1,5", "1.2.3",
                           "abc", "0x10", "1_000", "NaN", "inf", "１"}) {
    EXPECT_FALSE(ParseScaledDecimal(text, 4).has_value()) << "\"" << text << "\"";
  }
}

TEST(ParseScaledDecimalTest, RejectsTooManyFractionDigits) {
  EXPECT_FALSE(ParseScaledDecimal("1.23456", 4).has_value());
  EXPECT_FALSE(ParseScaledDecimal("1.00000", 4).has_value());  // even trailing zeros
  EXPECT_FALSE(ParseScaledDecimal("8.1255", 3).has_value());
  EXPECT_FALSE(ParseScaledDecimal("1.0", 0).has_value());
}

TEST(ParseScaledDecimalTest, RejectsValuesBeyondInt64) {
  EXPECT_FALSE(ParseScaledDecimal("1234567890123456789012345", 4).has_value());  // 25 digits
  EXPECT_FALSE(ParseScaledDecimal("9223372036854775808", 0).has_value());        // INT64_MAX + 1
  EXPECT_FALSE(ParseScaledDecimal("922337203685477.5808", 4).has_value());
  EXPECT_FALSE(ParseScaledDecimal("922337203685478", 4).has_value());  // overflows once scaled
}

TEST(ParseScaledDecimalTest, AcceptsInt64Limit) {
  EXPECT_THAT(ParseScaledDecimal("9223372036854775807", 0), Optional(kMax));
  EXPECT_THAT(ParseScaledDecimal("922337203685477.5807", 4), Optional(kMax));
}

TEST(FormatScaledDecimalTest, Formats) {
  EXPECT_EQ(FormatScaledDecimal(0, 4), "0");
  EXPECT_EQ(FormatScaledDecimal(5, 4), "0.0005");
  EXPECT_EQ(FormatScaledDecimal(15000, 4), "1.5");
  EXPECT_EQ(FormatScaledDecimal(10000, 4), "1");
  EXPECT_EQ(FormatScaledDecimal(123456, 4), "12.3456");
  EXPECT_EQ(FormatScaledDecimal(8100, 3), "8.1");
  EXPECT_EQ(FormatScaledDecimal(42, 0), "42");
  EXPECT_EQ(FormatScaledDecimal(0, 0), "0");
}

TEST(FormatScaledDecimalTest, FormatsNegatives) {
  EXPECT_EQ(FormatScaledDecimal(-15000, 4), "-1.5");
  EXPECT_EQ(FormatScaledDecimal(-5, 4), "-0.0005");
  EXPECT_EQ(FormatScaledDecimal(-42, 0), "-42");
  EXPECT_EQ(FormatScaledDecimal(kMin, 4), "-922337203685477.5808");
  EXPECT_EQ(FormatScaledDecimal(kMax, 4), "922337203685477.5807");
}

TEST(FormatScaledDecimalTest, RoundTripsThroughParse) {
  for (int64_t value : {int64_t{0}, int64_t{1}, int64_t{5}, int64_t{10}, int64_t{15000}, int64_t{99999},
                        int64_t{100000}, int64_t{123456789}, kMax}) {
    for (int scale : {0, 3, 4}) {
      std::string text = FormatScaledDecimal(value, scale);
      EXPECT_THAT(ParseScaledDecimal(text, scale), Optional(value)) << text << " scale " << scale;
    }
  }
}

TEST(FormatScaledDecimalTest, NormalisesParsedText) {
  EXPECT_EQ(FormatScaledDecimal(*ParseScaledDecimal("001.2500", 4), 4), "1.25");
  EXPECT_EQ(FormatScaledDecimal(*ParseScaledDecimal("0.000", 3), 3), "0");
}

}  // namespace
}  // namespace invoicehub::domain
