#pragma once
// The outbox that keeps bill-pay in step (DESIGN.md): what a change asks of
// bill-pay, as rows committed with the change. A row names what to do, not
// the data: the dispatcher reads the invoice as it is when the row goes out,
// so a late or repeated row still sends the truth, and the last one sent is
// always current.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/domain/lifecycle_event.h"

namespace invoicehub::domain {

enum class SyncAction {
  kSendInvoice,    // BP-1, BP-3, BP-4, BP-11: create or update the invoice record
  kUpdateBalance,  // the outstanding changed by a payment: send it
  kDeleteInvoice,  // BP-9 (and VOID): the record and its Pay Now URL go
  kCreatePayment,  // BP-8: a prepayment applied is paid again in bill-pay
  kDeletePayment,  // BP-8, BP-10: the bill-pay payment goes
};
enum class SyncState { kPending, kSynced, kFailed };

std::string SyncActionName(SyncAction action);  // "send_invoice", ...
std::optional<SyncAction> SyncActionFromName(const std::string& name);
std::string SyncStateName(SyncState state);  // "pending", "synced", "failed"
std::optional<SyncState> SyncStateFromName(const std::string& name);

// A row to append. Rows with one order key go out in the order appended.
struct SyncEventDraft {
  SyncAction action;
  int64_t invoice_id = 0;
  int64_t payment_id = 0;
  int64_t amount_minor = 0;  // kCreatePayment: how much
  bool operator==(const SyncEventDraft&) const = default;
};

// "invoice:<id>" for rows about an invoice; "payment:<id>" for a payment's
// own bill-pay record (BP-10 deletes).
std::string SyncOrderKey(const SyncEventDraft& draft);

// The rows one lifecycle event asks for. `payment_invoice_ids`: for payment
// events, every invoice the payment was ever allocated to.
std::vector<SyncEventDraft> PlanSync(const LifecycleEvent& event, const std::vector<int64_t>& payment_invoice_ids);

struct RetryPolicy {
  int max_attempts = 20;  // then the row is parked as failed: about 2 hours of retries by default
  absl::Duration base_delay = absl::Seconds(2);
  absl::Duration max_delay = absl::Minutes(10);
};

// Exponential backoff with jitter after `attempts` failed attempts
// (1, 2, ...): a random delay in [d/2, d], d = min(base * 2^(attempts-1), max).
// Jitter keeps many rows that failed together from retrying together.
absl::Duration RetryDelay(const RetryPolicy& policy, int attempts, std::mt19937_64& random);

}  // namespace invoicehub::domain
