#pragma once
// Ids of companies, customers, invoices and API keys are random, not taken
// from a sequence: an id tells nothing about how many records other
// companies created, and a client that mixes up two companies' keys gets
// NOT_FOUND rather than another company's record with the same number.

#include <cstdint>

#include "absl/status/statusor.h"

namespace invoicehub::storage {

// A random id in [1, 2^53): exact as a JavaScript number too.
int64_t RandomRecordId();

// Calls `try_insert(id)` (an INSERT ... ON CONFLICT DO NOTHING that returns
// whether it inserted) with fresh random ids until one is free; a collision
// has odds of 2^-53, so three tries end it.
template <typename TryInsert>
absl::StatusOr<int64_t> InsertWithRandomId(TryInsert try_insert) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    int64_t id = RandomRecordId();
    if (try_insert(id)) return id;
  }
  return absl::InternalError("no free random id after 3 attempts");
}

}  // namespace invoicehub::storage
