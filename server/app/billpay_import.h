#pragma once
// BP-12: payments and reversals that bill-pay reports, by webhook (stored in
// the inbox first) or by the import that pages its payment feed from the
// company's cursor, are applied exactly once. BP-7 runs the import before an
// invoice goes back to DRAFT or REISSUE.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/app/billpay_gateways.h"
#include "server/app/billpay_payment_apply.h"
#include "server/domain/clock.h"
#include "storage/database.h"

namespace invoicehub::app {

struct ImportSummary {
  int recorded = 0;   // new payments recorded
  int reversed = 0;   // payments reversed
  int unchanged = 0;  // already applied, or ours
  int unmatched = 0;  // stored in the inbox and reported, not applied
  int pending = 0;    // inbox events whose apply may pass later: still pending, tried again next import
};

// Applies the company's pending inbox events, then pages bill-pay's payment
// feed from the stored cursor and applies every payment, advancing the
// cursor with each page in the same transaction. One event or payment never
// holds up the rest:
// - an inbox event the apply refuses is marked unmatched with the reason;
//   one that fails in a way that may pass later (a lost race, the database
//   away) stays pending and is counted in `pending`; the feed runs anyway.
// - a feed payment the apply refuses (INVALID_ARGUMENT, FAILED_PRECONDITION,
//   NOT_FOUND) is kept in the inbox as unmatched ("import:<id>:<status>",
//   the vendor's payment JSON as body, the reason as note) and the page goes
//   on without it; a database failure takes the page back and ends the
//   import (the cursor never passes a payment that was not applied).
// - a feed payment recorded with a part that could not be placed is kept in
//   the inbox as applied, with the note saying what and why.
// UNAVAILABLE (with the gateway's reason) when bill-pay cannot be reached or
// answers "may or may not"; NOT_FOUND / FAILED_PRECONDITION from ForCompany.
absl::StatusOr<ImportSummary> ImportBillPayPayments(BillPayGateways& gateways, int64_t company_id,
                                                    const domain::Clock& clock);

// The webhook event types that are applied (billpay::IsAppliedPaymentEventType,
// the vendor's words); the inbox stores any other type as applied with the
// note "ignored type".
bool IsAppliedWebhookType(const std::string& event_type);

// Applies one stored inbox event (webhook) in its own transaction, which
// also marks it applied or unmatched (with a note saying what happened) and
// writes the audit. An event that is no longer pending is left alone
// (kUnchanged). A failure that repeating cannot cure (the apply refused it)
// marks it unmatched; any other leaves it pending for the import to retry,
// and is returned.
absl::StatusOr<BillPayApplyOutcome> ApplyInboxEvent(storage::Database& database, int64_t company_id,
                                                    const std::string& event_id, absl::Time now);

}  // namespace invoicehub::app
