#pragma once
// Where a change records what happened: its lifecycle events, and, when the
// company has a bill-pay account (enabled or not), the outbox rows that will tell bill-pay (DESIGN.md:
// in the same transaction, so a committed change is never left untold and
// a rolled-back one never told).

#include <cstdint>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/domain/lifecycle_event.h"
#include "storage/database.h"

namespace invoicehub::app {

// Returns the invoices whose sync state became pending.
absl::StatusOr<std::set<int64_t>> RecordLifecycleEvents(storage::Transaction& tx, int64_t company_id,
                                                        const std::vector<domain::LifecycleEvent>& events,
                                                        absl::Time now);

}  // namespace invoicehub::app
