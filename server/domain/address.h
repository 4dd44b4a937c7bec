#pragma once

#include <string>
#include <vector>

#include "server/domain/field_errors.h"

namespace invoicehub::domain {

struct PostalAddress {
  std::vector<std::string> address_lines;
  std::string locality;
  std::string administrative_area;
  std::string postal_code;
  std::string region_code;  // ISO 3166-1 alpha-2
  bool operator==(const PostalAddress&) const = default;
  bool empty() const { return *this == PostalAddress{}; }
};

// Checks sizes and the region code; `field` is the address's path.
void ValidateAddress(FieldErrors& errors, const std::string& field, const PostalAddress& address);

}  // namespace invoicehub::domain
