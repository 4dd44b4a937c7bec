#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/domain/payment.h"
#include "storage/database.h"
#include "storage/list_cursor.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

// Inserts the payment (version 1) without allocations; returns its new id.
absl::StatusOr<int64_t> InsertPayment(Transaction& tx, int64_t company_id, const domain::Payment& payment,
                                      absl::Time now);

// Adds an applied allocation of `allocation.payment_id`.
void InsertAllocation(Transaction& tx, int64_t company_id, const domain::Allocation& allocation, absl::Time now);

// Ends an applied allocation: released (BP-8) or reversed.
void EndAllocation(Transaction& tx, int64_t company_id, int64_t allocation_id, domain::AllocationState state,
                   const std::string& reason, absl::Time now);

// The payment with its allocations; NOT_FOUND when the company has none such.
absl::StatusOr<domain::Payment> FindPayment(Transaction& tx, int64_t company_id, int64_t payment_id,
                                            LockMode lock = LockMode::kNone);

// Writes state, unapplied credit and reversal reason; bumps the version.
void UpdatePayment(Transaction& tx, int64_t company_id, const domain::Payment& payment, absl::Time now);

// The allocations still applied to an invoice, oldest first.
std::vector<domain::Allocation> AppliedAllocationsOfInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id);

struct PaymentFilter {
  int64_t customer_id = 0;       // 0: any
  bool open_credit_only = false;  // only payments with an open prepayment
};

// Up to `limit` payments (with allocations) created after `after`.
std::vector<domain::Payment> ListPayments(Transaction& tx, int64_t company_id, const PaymentFilter& filter,
                                          const ListCursor& after, int limit);

// Every payment of the company with its allocations, for the ledger check.
std::vector<domain::Payment> ListPaymentsForLedger(Transaction& tx, int64_t company_id);

}  // namespace invoicehub::storage
