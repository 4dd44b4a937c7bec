#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "storage/database.h"

namespace invoicehub::storage {

// LC-2: the company's next invoice number (1, 2, ...). The counter row stays
// locked until the transaction ends: a concurrent finalize waits, and a
// rolled-back one gives its number back, so numbers have no gaps and are
// never given twice.
absl::StatusOr<int64_t> NextInvoiceNumber(Transaction& tx, int64_t company_id);

}  // namespace invoicehub::storage
