#pragma once
// Where the payment import stopped reading bill-pay's payment feed, per
// company (webhooks can be lost; the import finds what they missed). The
// cursor is saved in the transaction that applied the page it ends, so a
// page is never skipped and a re-read page changes nothing (BP-12).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "storage/database.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

// The stored cursor; nullopt before the company's first import.
std::optional<std::string> FindImportCursor(Transaction& tx, int64_t company_id, LockMode lock = LockMode::kNone);

// Creates the company's row ("" = from the start) if missing and locks it
// until the transaction ends, so two imports of one company take turns.
// Returns the cursor.
std::string LockImportCursor(Transaction& tx, int64_t company_id, absl::Time now);

// Stores `cursor` (creating the row if missing).
void SaveImportCursor(Transaction& tx, int64_t company_id, const std::string& cursor, absl::Time now);

}  // namespace invoicehub::storage
