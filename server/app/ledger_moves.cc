#include "server/app/ledger_moves.h"

#include <map>

#include "server/domain/status_macros.h"
#include "storage/customer_repository.h"
#include "storage/payment_repository.h"

namespace invoicehub::app {

absl::StatusOr<domain::Customer> LockCustomerLedger(storage::Transaction& tx, int64_t company_id,
                                                    int64_t customer_id) {
  // Not FOR UPDATE: a new invoice of the customer (a foreign key to its row)
  // need not wait for a payment to commit.
  return storage::FindCustomer(tx, company_id, customer_id, storage::LockMode::kForNoKeyUpdate);
}

void SetApplied(domain::Invoice& invoice, int64_t applied_minor) {
  invoice.applied_minor = applied_minor;
  invoice.outstanding_minor = domain::Outstanding(invoice.total_minor, applied_minor);
}

absl::StatusOr<std::vector<Change<domain::Payment>>> ReleaseAllocations(
    storage::Transaction& tx, int64_t company_id, const domain::Invoice& invoice, const std::string& reason,
    absl::Time now, std::vector<domain::LifecycleEvent>& events) {
  std::map<int64_t, std::vector<domain::Allocation>> applied_by_payment;
  for (domain::Allocation& allocation : storage::AppliedAllocationsOfInvoice(tx, company_id, invoice.id))
    applied_by_payment[allocation.payment_id].push_back(std::move(allocation));
  std::vector<Change<domain::Payment>> changes;
  for (const auto& [payment_id, allocations] : applied_by_payment) {
    ASSIGN_OR_RETURN(domain::Payment before,
                     storage::FindPayment(tx, company_id, payment_id, storage::LockMode::kForUpdate));
    domain::Payment next = before;
    for (const domain::Allocation& allocation : allocations) {
      storage::EndAllocation(tx, company_id, allocation.id, domain::AllocationState::kReleased, reason, now);
      next.unapplied_minor += allocation.amount_minor;
      events.push_back({domain::LifecycleEventKind::kAllocationReleased, invoice.id, payment_id,
                        allocation.amount_minor});
    }
    storage::UpdatePayment(tx, company_id, next, now);
    ASSIGN_OR_RETURN(domain::Payment after, storage::FindPayment(tx, company_id, payment_id));
    // BP-10: told once, when the last of the payment's invoices comes back.
    if (!domain::AllInvoicesReverted(before) && domain::AllInvoicesReverted(after))
      events.push_back({domain::LifecycleEventKind::kPaymentAllReverted, invoice.id, payment_id, after.amount_minor});
    changes.push_back({std::move(before), std::move(after)});
  }
  return changes;
}

}  // namespace invoicehub::app
