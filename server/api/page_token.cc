#include "server/api/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::api {
namespace {

constexpr char kTokenPrefix[] = "after:";

}  // namespace

int ParsePageSize(domain::FieldErrors& errors, int32_t page_size) {
  if (page_size == 0) return kDefaultPageSize;
  if (page_size < 0 || page_size > kMaxPageSize) {
    errors.Add("page_size", absl::StrCat("must be from 0 (default ", kDefaultPageSize, ") to ", kMaxPageSize));
    return kDefaultPageSize;
  }
  return page_size;
}

int64_t ParsePageToken(domain::FieldErrors& errors, const std::string& token) {
  if (token.empty()) return 0;
  std::string decoded;
  int64_t after_id = 0;
  if (!absl::WebSafeBase64Unescape(token, &decoded) || !absl::StartsWith(decoded, kTokenPrefix) ||
      !absl::SimpleAtoi(decoded.substr(sizeof(kTokenPrefix) - 1), &after_id) || after_id < 0) {
    errors.Add("page_token", "is not a token returned by this API");
    return 0;
  }
  return after_id;
}

std::string MakePageToken(int64_t last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, last_id));
}

}  // namespace invoicehub::api
