#pragma once
// The steps every change of a customer's money shares: take the customer's
// ledger lock, move amounts between invoices and prepayments, and keep each
// invoice's applied and outstanding amounts (LC-3) in step with its
// allocations.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/app/change.h"
#include "server/domain/customer.h"
#include "server/domain/invoice.h"
#include "server/domain/lifecycle_event.h"
#include "server/domain/payment.h"
#include "storage/database.h"

namespace invoicehub::app {

// Serialises every change of one customer's payments and allocations (a row
// lock on the customer until commit), so two of them can never interleave
// and lock invoices and payments in opposite orders. Returns the customer.
absl::StatusOr<domain::Customer> LockCustomerLedger(storage::Transaction& tx, int64_t company_id,
                                                    int64_t customer_id);

// Sets what is applied to `invoice` and its outstanding (LC-3).
void SetApplied(domain::Invoice& invoice, int64_t applied_minor);

// BP-8: every allocation applied to `invoice` (locked by the caller) becomes
// prepayment again on its payment, recording per invoice that it was
// released and why. Returns the payments changed; appends the events,
// including BP-10's "all invoices of this payment are back" where it holds.
absl::StatusOr<std::vector<Change<domain::Payment>>> ReleaseAllocations(
    storage::Transaction& tx, int64_t company_id, const domain::Invoice& invoice, const std::string& reason,
    absl::Time now, std::vector<domain::LifecycleEvent>& events);

}  // namespace invoicehub::app
