#pragma once
// Fixed-point decimals written as text ("1.5", "8.125"): quantities and tax
// rates travel as strings so that no float ever touches an amount.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicehub::domain {

// Parses a non-negative decimal with at most `scale` fraction digits into an
// integer scaled by 10^scale ("1.5", scale 4 -> 15000). Rejects signs,
// exponents, spaces, empty parts ("1.", ".5") and values over int64.
std::optional<int64_t> ParseScaledDecimal(std::string_view text, int scale);

// The inverse: 15000, scale 4 -> "1.5" (trailing zeros dropped).
std::string FormatScaledDecimal(int64_t scaled, int scale);

}  // namespace invoicehub::domain
