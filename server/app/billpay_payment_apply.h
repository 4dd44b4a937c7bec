#pragma once
// BP-12: one payment as bill-pay reports it (by webhook or by the import),
// applied to our books exactly once, whatever the order or number of
// reports. The bill-pay payment id links to our payment in
// billpay_payments; that link is what "once" is checked against.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "integrations/billpay/billpay_gateway.h"
#include "server/app/payment_actions.h"
#include "storage/database.h"

namespace invoicehub::app {

enum class BillPayApplyResult {
  kRecorded,             // a new payment was recorded
  kReversed,             // a payment recorded before was reversed
  kRecordedAndReversed,  // reported already reversed: recorded and reversed at once
  kUnchanged,            // already applied, ours (BP-8), or nothing to do
  kUnmatched,            // nothing recorded; `note` says why
};

const char* BillPayApplyResultName(BillPayApplyResult result);  // "recorded", ...

struct BillPayApplyOutcome {
  BillPayApplyResult result = BillPayApplyResult::kUnchanged;
  // Why it is unmatched, what was not allocated and why, or why unchanged.
  std::string note;
  int64_t payment_id = 0;  // ours, when there is one
  // What changed, in order (record, then reverse), for the audit.
  std::vector<PaymentMoveResult> moves;
};

// Applies `payment` to company `company_id` in the caller's transaction:
// - origin api (we made it, BP-8): unchanged.
// - already linked: a reversal reverses our payment once (never undone by a
//   late "succeeded"); anything else is unchanged.
// - new: recorded in full for the linked customer, allocated to the
//   bill-pay invoices it names that are FINAL invoices of that customer, up
//   to their outstanding; the rest is the customer's prepayment (the note
//   says which part and why). Received on the company's civil day of
//   bill-pay's `created_unix` (today there when it sent none). Recorded and
//   reversed at once when already reversed.
// - unknown customer, other currency, no positive amount: unmatched.
// ABORTED when the same payment was applied concurrently after all (the
// caller's transaction must roll back; a retry finds it unchanged).
absl::StatusOr<BillPayApplyOutcome> ApplyBillPayPayment(storage::Transaction& tx, int64_t company_id,
                                                        const billpay::PaymentRecord& payment, absl::Time now);

// Writes the audit entries of `outcome` (actor "billpay"), in the caller's
// transaction. `action` is what reported it ("BillPayWebhook",
// "ImportPayments"), `reference` the event or payment id it came with.
void AuditBillPayApply(storage::Transaction& tx, int64_t company_id, const BillPayApplyOutcome& outcome,
                       const std::string& action, const std::string& reference, absl::Time now);

}  // namespace invoicehub::app
