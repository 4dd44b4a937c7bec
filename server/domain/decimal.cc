#include "server/domain/decimal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/domain/money.h"

namespace invoicehub::domain {
namespace {

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::optional<int64_t> ParseScaledDecimal(std::string_view text, int scale) {
  std::string_view whole = text, fraction;
  if (size_t dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
    if (!AllDigits(fraction)) return std::nullopt;
  }
  if (!AllDigits(whole) || fraction.size() > static_cast<size_t>(scale)) return std::nullopt;
  int64_t value = 0;
  std::string digits = std::string(whole) + std::string(fraction) + std::string(scale - fraction.size(), '0');
  for (char c : digits) {
    std::optional<int64_t> shifted = MulDivRounded(value, 10, 1);
    if (!shifted) return std::nullopt;
    std::optional<int64_t> next = CheckedAdd(*shifted, c - '0');
    if (!next) return std::nullopt;
    value = *next;
  }
  return value;
}

std::string FormatScaledDecimal(int64_t scaled, int scale) {
  bool negative = scaled < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  std::string digits = absl::StrCat(magnitude);
  if (digits.size() <= static_cast<size_t>(scale)) digits.insert(0, scale + 1 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - scale);
  std::string fraction = digits.substr(digits.size() - scale);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(negative ? "-" : "", whole, fraction.empty() ? "" : ".", fraction);
}

}  // namespace invoicehub::domain
