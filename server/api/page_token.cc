#include "server/api/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

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

storage::ListCursor ParsePageToken(domain::FieldErrors& errors, const std::string& token) {
  storage::ListCursor cursor;
  if (token.empty()) return cursor;
  std::string decoded;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(token, &decoded) && absl::StartsWith(decoded, kTokenPrefix))
    parts = absl::StrSplit(decoded.substr(sizeof(kTokenPrefix) - 1), ':');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.create_micros) ||
      !absl::SimpleAtoi(parts[1], &cursor.id) || cursor.create_micros < 0 || cursor.id <= 0) {
    errors.Add("page_token", "is not a token returned by this API");
    return storage::ListCursor();
  }
  return cursor;
}

std::string MakePageToken(absl::Time last_create_time, int64_t last_id) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, absl::ToUnixMicros(last_create_time), ":", last_id));
}

}  // namespace invoicehub::api
