#pragma once
// Ids of companies, customers, invoices and API keys are random, not taken
// from a sequence: an id tells nothing about how many records other
// companies created, and a client that mixes up two companies' keys gets
// NOT_FOUND rather than another company's record with the same number.

#include <cstdint>

#include <soci/soci.h>

#include "absl/status/statusor.h"

namespace invoicehub::storage {

// A random id in [1, 2^53): exact as a JavaScript number too.
int64_t RandomRecordId();

// Runs the INSERT ... ON CONFLICT DO NOTHING that `prepare_insert(id)`
// prepares (binding `id`, which stays alive here) with fresh random ids
// until one is free; a collision has odds of 2^-53, so three tries end it.
template <typename PrepareInsert>
absl::StatusOr<int64_t> InsertWithRandomId(PrepareInsert prepare_insert) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    long long id = RandomRecordId();
    soci::statement insert = prepare_insert(id);
    insert.execute(true);
    if (insert.get_affected_rows() == 1) return id;
  }
  return absl::InternalError("no free random id after 3 attempts");
}

}  // namespace invoicehub::storage
