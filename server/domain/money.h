#pragma once
// Money is an integer count of minor units in one ISO 4217 currency. All
// arithmetic is checked: an overflow is an error, never a wrapped amount.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicehub::domain {

struct Money {
  std::string currency_code;
  int64_t minor_units = 0;
  bool operator==(const Money&) const = default;
};

// Number of minor-unit digits of an active ISO 4217 currency (2 for EUR, 0 for
// JPY, 3 for BHD); nullopt for an unknown or non-upper-case code.
std::optional<int> CurrencyMinorDigits(std::string_view currency_code);
inline bool IsKnownCurrency(std::string_view code) {
  return CurrencyMinorDigits(code).has_value();
}

// "1945.80" for 194580 with 2 digits, "1235" with 0, "-0.125" with 3: a
// plain decimal with exactly `minor_digits` fraction digits, trailing zeros
// kept (it is an amount, not a measurement), no separators, no locale.
std::string FormatMinorUnits(int64_t minor_units, int minor_digits);

std::optional<int64_t> CheckedAdd(int64_t a, int64_t b);
std::optional<int64_t> CheckedSub(int64_t a, int64_t b);

// value * numerator / denominator, rounded half away from zero, computed in
// 128 bits; nullopt when the result does not fit in int64 or denominator <= 0.
std::optional<int64_t> MulDivRounded(int64_t value, int64_t numerator, int64_t denominator);

}  // namespace invoicehub::domain
