#include "server/domain/update_mask.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

absl::StatusOr<UpdateMask> UpdateMask::Parse(const std::vector<std::string>& paths,
                                             const std::set<std::string>& allowed) {
  UpdateMask mask;
  if (paths.empty()) {
    mask.paths_ = allowed;
    return mask;
  }
  FieldErrors errors;
  for (const std::string& path : paths) {
    if (allowed.count(path))
      mask.paths_.insert(path);
    else
      errors.Add("update_mask", absl::StrCat("\"", path, "\" cannot be updated; updatable: ", absl::StrJoin(allowed, ", ")));
  }
  if (!errors.empty()) return errors.ToStatus();
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
