#pragma once
// Enum <-> name tables: one table per enum serves both directions, so a name
// and its value cannot drift apart.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace invoicehub::domain {

template <typename Enum, size_t N>
using EnumNames = std::array<std::pair<Enum, const char*>, N>;

// Every value must be in its table; a missing one names itself "".
template <typename Enum, size_t N>
std::string NameOf(const EnumNames<Enum, N>& names, Enum value) {
  for (const auto& [each, name] : names)
    if (each == value) return name;
  return "";
}

template <typename Enum, size_t N>
std::optional<Enum> ValueOf(const EnumNames<Enum, N>& names, std::string_view name) {
  for (const auto& [value, each] : names)
    if (name == each) return value;
  return std::nullopt;
}

}  // namespace invoicehub::domain
