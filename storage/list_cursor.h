#pragma once
// Where a list page starts: after the record created at `create_micros` with
// `id`. Lists run in creation order, ids breaking ties.

#include <cstdint>

namespace invoicehub::storage {

struct ListCursor {
  int64_t create_micros = -1;  // before any record: the first page
  int64_t id = 0;
};

}  // namespace invoicehub::storage
