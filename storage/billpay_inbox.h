#pragma once
// BP-12: the inbox of what bill-pay told us. Every verified webhook event is
// stored here, keyed by bill-pay's event id, before anything acts on it, so
// a repeated delivery changes nothing and a failed apply is retried from
// here. Payments the import could not apply are stored here too (event id
// "import:<payment id>:<status>"), already unmatched, and so are payments it
// recorded with a part it could not place (applied, with the note), so an
// admin sees both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "storage/database.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

enum class InboxState { kPending, kApplied, kUnmatched };

std::string InboxStateName(InboxState state);  // "pending", "applied", "unmatched"

struct InboxEvent {
  std::string event_id;
  std::string event_type;  // "payment.succeeded", ...
  std::string billpay_payment_id;
  std::string body;  // the raw webhook body as received (import rows: the vendor's payment JSON)
  InboxState state = InboxState::kPending;
  std::string note;  // why it is unmatched, or what applying it did
  absl::Time received_time;
  std::optional<absl::Time> applied_time;  // set when it left kPending
};

// Stores `event` as received `now` (a row not pending is stored as decided
// `now`). false, and nothing written, when the company already has an event
// with this id: a repeated delivery.
bool InsertInboxEvent(Transaction& tx, int64_t company_id, const InboxEvent& event, absl::Time now);

// nullopt when the company has no such event.
std::optional<InboxEvent> FindInboxEvent(Transaction& tx, int64_t company_id, const std::string& event_id,
                                         LockMode lock = LockMode::kNone);

// Where an inbox page starts: after the event received at `received_micros`
// with `event_id` (events have text ids, so ListCursor's int id will not do).
struct InboxCursor {
  int64_t received_micros = -1;  // before any event: the first page
  std::string event_id;
};

// The cursor just past `event`.
InboxCursor InboxCursorAfter(const InboxEvent& event);

// Up to `limit` pending events of the company received after `after`, oldest
// first. An event that stays pending (its apply may pass later) is passed
// over by moving `after` beyond it.
std::vector<InboxEvent> ListPendingInboxEvents(Transaction& tx, int64_t company_id, int limit,
                                               const InboxCursor& after = {});

// Ends a pending event as applied or unmatched, with the note saying what
// happened. false when it was not pending (someone else ended it).
bool MarkInboxEvent(Transaction& tx, int64_t company_id, const std::string& event_id, InboxState state,
                    const std::string& note, absl::Time now);

struct InboxFilter {
  std::optional<InboxState> state;  // nullopt: every state
};

// Up to `limit` events received after `after`, oldest first, for the admin
// view; fetch one more than a page to learn whether another follows.
std::vector<InboxEvent> ListInboxEvents(Transaction& tx, int64_t company_id, const InboxFilter& filter,
                                        const InboxCursor& after, int limit);

}  // namespace invoicehub::storage
