#pragma once
// Carries out one claimed outbox row against the company's bill-pay account
// and ends its lease: synced, rescheduled with backoff (bill-pay failed or
// may have acted: the same idempotency key repeats the call and tells), or
// parked as failed (bill-pay refused, or the attempts ran out).

#include <random>
#include <string>

#include "absl/status/statusor.h"
#include "server/app/billpay_gateways.h"
#include "server/app/change.h"
#include "server/domain/clock.h"
#include "server/domain/sync_event.h"
#include "storage/sync_event_store.h"

namespace invoicehub::app {

enum class DispatchEnd { kSynced, kRescheduled, kParked, kLeaseLost };

struct DispatchReport {
  DispatchEnd end = DispatchEnd::kSynced;
  std::string detail;  // what was done, or why not
};

// SyncService.RetrySyncEvent: a parked row goes back to pending with a fresh
// count of attempts and new idempotency keys. FAILED_PRECONDITION for a row
// that is not parked.
absl::StatusOr<Change<storage::SyncEvent>> RetryParkedSyncEvent(storage::Transaction& tx, int64_t company_id,
                                                                int64_t sync_event_id, absl::Time now);

DispatchReport DispatchSyncEvent(BillPayGateways& gateways, const storage::SyncEvent& event,
                                 const domain::Clock& clock, const domain::RetryPolicy& policy,
                                 std::mt19937_64& random);

}  // namespace invoicehub::app
