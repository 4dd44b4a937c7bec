#pragma once
// List paging: page tokens are opaque to clients (base64 of the last id
// returned), page sizes are bounded so one call cannot read a whole table.

#include <cstdint>
#include <string>

#include "server/domain/field_errors.h"

namespace invoicehub::api {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

// 0 means the default; outside 0..kMaxPageSize is a violation on page_size.
int ParsePageSize(domain::FieldErrors& errors, int32_t page_size);

// The id after which the page starts (0 for the first page).
int64_t ParsePageToken(domain::FieldErrors& errors, const std::string& token);
std::string MakePageToken(int64_t last_id);

}  // namespace invoicehub::api
