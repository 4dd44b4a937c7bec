#pragma once
// Helpers shared by the domain unit tests.

#include <ostream>
#include <string>
#include <vector>

#include "server/domain/field_errors.h"

namespace invoicehub::domain {

// Lets gtest print violations in failure messages.
inline void PrintTo(const FieldViolation& v, std::ostream* os) {
  *os << "{\"" << v.field << "\", \"" << v.description << "\"}";
}

namespace test {

// The field paths of the violations, in order.
inline std::vector<std::string> FieldsOf(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}
inline std::vector<std::string> FieldsOf(const FieldErrors& errors) { return FieldsOf(errors.violations()); }

// The description recorded for `field` (empty when there is none).
inline std::string DescriptionOf(const FieldErrors& errors, const std::string& field) {
  for (const FieldViolation& v : errors.violations())
    if (v.field == field) return v.description;
  return "";
}

}  // namespace test
}  // namespace invoicehub::domain
