#include "server/domain/update_mask.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

UpdateMask UpdateMask::All(const std::set<std::string>& allowed) {
  UpdateMask mask;
  mask.paths_ = allowed;
  return mask;
}

UpdateMask UpdateMask::Parse(FieldErrors& errors, const std::vector<std::string>& paths,
                             const std::set<std::string>& allowed) {
  if (paths.empty()) return All(allowed);
  UpdateMask mask;
  for (const std::string& path : paths) {
    if (allowed.count(path))
      mask.paths_.insert(path);
    else
      errors.Add("update_mask", absl::StrCat("\"", path.substr(0, 64), path.size() > 64 ? "..." : "",
                                             "\" cannot be updated; updatable: ", absl::StrJoin(allowed, ", ")));
  }
  return mask;
}

absl::Status CheckVersion(const std::string& field, int64_t current, int64_t expected) {
  if (expected <= 0) return InvalidField(field, "is required: send the version you read");
  if (expected != current)
    return absl::AbortedError(absl::StrCat(field, " ", expected, " is stale: the current version is ", current,
                                           "; read the record again and retry"));
  return absl::OkStatus();
}

}  // namespace invoicehub::domain
