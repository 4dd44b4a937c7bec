#pragma once
// Which fields an Update call replaces. An empty mask means every editable
// field; a path outside `allowed` is an INVALID_ARGUMENT on update_mask.

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

class UpdateMask {
 public:
  // Paths outside `allowed` are added to `errors` under "update_mask".
  static UpdateMask Parse(FieldErrors& errors, const std::vector<std::string>& paths,
                          const std::set<std::string>& allowed);
  static UpdateMask All(const std::set<std::string>& allowed);
  bool Has(const std::string& path) const { return paths_.count(path) > 0; }

 private:
  std::set<std::string> paths_;
};

// ABORTED unless the client's `expected` version is the stored `current`
// one; INVALID_ARGUMENT on `field` when the client sent none.
absl::Status CheckVersion(const std::string& field, int64_t current, int64_t expected);

}  // namespace invoicehub::domain
