#include "server/domain/address.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/domain/text_rules.h"

namespace invoicehub::domain {

void ValidateAddress(FieldErrors& errors, const std::string& field, const PostalAddress& address) {
  constexpr size_t kMaxLines = 5;
  if (address.address_lines.size() > kMaxLines)
    errors.Add(field + ".address_lines", absl::StrCat("must have at most ", kMaxLines, " lines"));
  for (size_t i = 0; i < address.address_lines.size() && i < kMaxLines; ++i)
    CheckText(errors, absl::StrCat(field, ".address_lines[", i, "]"), address.address_lines[i], 200,
              Presence::kRequired);
  CheckText(errors, field + ".locality", address.locality, 100, Presence::kOptional);
  CheckText(errors, field + ".administrative_area", address.administrative_area, 100, Presence::kOptional);
  CheckText(errors, field + ".postal_code", address.postal_code, 20, Presence::kOptional);
  const std::string& region = address.region_code;
  if (!region.empty() && (region.size() != 2 || !absl::ascii_isupper(region[0]) ||
                          !absl::ascii_isupper(region[1])))
    errors.Add(field + ".region_code", "must be an ISO 3166-1 alpha-2 code such as \"CH\"");
}

}  // namespace invoicehub::domain
