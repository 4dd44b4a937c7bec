#pragma once
// The outbox rows (sync_events): appended in the transaction of the change
// they tell of, claimed by dispatchers with a lease, then marked.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/domain/sync_event.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct SyncEvent {
  int64_t company_id = 0;
  int64_t id = 0;
  std::string order_key;
  domain::SyncAction action = domain::SyncAction::kSendInvoice;
  int64_t invoice_id = 0;
  int64_t payment_id = 0;
  int64_t amount_minor = 0;
  domain::SyncState state = domain::SyncState::kPending;
  int attempts = 0;  // dispatches since it was last queued, the current one included
  int claims = 0;    // every claim ever: the fencing token of a lease
  int retries = 0;   // times RetrySyncEvent requeued it: part of its idempotency keys
  absl::Time next_attempt_time;
  std::string lease_owner;
  std::string last_error;
  std::string result;
  absl::Time create_time;
  absl::Time update_time;
};

// Appends the rows in order and marks their invoices' sync state pending,
// unless an invoice shows failed: its parked row still blocks the new ones.
// Returns the invoices marked pending.
std::set<int64_t> AppendSyncEvents(Transaction& tx, int64_t company_id,
                                   const std::vector<domain::SyncEventDraft>& drafts, absl::Time now);

// Claims up to `limit` due rows of any company for `owner` until now +
// `lease`: pending, due, not leased by a live owner, and the first unsynced
// row of their order key. Rows locked by another claimer are skipped.
std::vector<SyncEvent> ClaimDueSyncEvents(Transaction& tx, const std::string& owner, absl::Duration lease,
                                          int limit, absl::Time now);

// The ends of a dispatch. Each applies only while `claimed` is still this
// owner's lease (same owner and claim) and answers false otherwise: the
// lease ran out and the row went to another dispatcher.
bool MarkSyncEventSynced(Transaction& tx, const SyncEvent& claimed, const std::string& result, absl::Time now);
bool RescheduleSyncEvent(Transaction& tx, const SyncEvent& claimed, const std::string& error,
                         absl::Time next_attempt_time, absl::Time now);
bool ParkSyncEvent(Transaction& tx, const SyncEvent& claimed, const std::string& error, absl::Time now);

// Sets the invoice's sync_state and sync_error from its rows: failed if one
// is parked, pending if one waits, synced once all went out, none without rows.
void RefreshInvoiceSyncState(Transaction& tx, int64_t company_id, int64_t invoice_id);

struct SyncEventFilter {
  std::optional<domain::SyncState> state;
  int64_t invoice_id = 0;  // 0: any
};

// Up to `limit` rows with ids above `after_id`, oldest first.
std::vector<SyncEvent> ListSyncEvents(Transaction& tx, int64_t company_id, const SyncEventFilter& filter,
                                      int64_t after_id, int limit);

// NOT_FOUND when the company has no such row.
absl::StatusOr<SyncEvent> FindSyncEvent(Transaction& tx, int64_t company_id, int64_t sync_event_id);

// A parked row goes back to pending, due now, with a fresh count of attempts
// and new idempotency keys (bill-pay would replay its refusal of the old).
void RequeueSyncEvent(Transaction& tx, int64_t company_id, int64_t sync_event_id, absl::Time now);

}  // namespace invoicehub::storage
