#pragma once
// List paging: page tokens are opaque to clients (base64 of the last id
// returned), page sizes are bounded so one call cannot read a whole table.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

#include "server/domain/field_errors.h"
#include "storage/list_cursor.h"

namespace invoicehub::api {

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

// 0 means the default; outside 0..kMaxPageSize is a violation on page_size.
int ParsePageSize(domain::FieldErrors& errors, int32_t page_size);

// Where the page starts (the first page for an empty token).
storage::ListCursor ParsePageToken(domain::FieldErrors& errors, const std::string& token);
// The token of the page after the record created at `last_create_time`.
std::string MakePageToken(absl::Time last_create_time, int64_t last_id);

// Fills a List response from `records`, fetched with one more than
// `page_size`: the extra one only says that another page follows.
template <typename Record, typename AddToResponse>
void FillPage(std::vector<Record>& records, int page_size, AddToResponse add, std::string* next_page_token) {
  bool more = records.size() > static_cast<size_t>(page_size);
  if (more) records.pop_back();
  for (const Record& record : records) add(record);
  if (more) *next_page_token = MakePageToken(records.back().create_time, records.back().id);
}

}  // namespace invoicehub::api
