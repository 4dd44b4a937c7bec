#include "server/app/billpay_sync_plan.h"

#include "server/domain/status_macros.h"
#include "server/domain/sync_event.h"
#include "storage/billpay_account_repository.h"
#include "storage/lifecycle_event_store.h"
#include "storage/payment_repository.h"
#include "storage/sync_event_store.h"

namespace invoicehub::app {
namespace {

// A disabled account still gets rows: they wait, and go out once it is
// enabled again, so bill-pay never misses a change made meanwhile.
bool HasBillPay(storage::Transaction& tx, int64_t company_id) {
  return storage::FindBillPayAccount(tx, company_id).ok();
}

// Every invoice the payment was ever allocated to, once each.
absl::StatusOr<std::vector<int64_t>> InvoicesOfPayment(storage::Transaction& tx, int64_t company_id,
                                                       int64_t payment_id) {
  ASSIGN_OR_RETURN(domain::Payment payment, storage::FindPayment(tx, company_id, payment_id));
  std::vector<int64_t> invoice_ids;
  std::set<int64_t> seen;
  for (const domain::Allocation& allocation : payment.allocations)
    if (seen.insert(allocation.invoice_id).second) invoice_ids.push_back(allocation.invoice_id);
  return invoice_ids;
}

}  // namespace

absl::StatusOr<std::set<int64_t>> RecordLifecycleEvents(storage::Transaction& tx, int64_t company_id,
                                                        const std::vector<domain::LifecycleEvent>& events,
                                                        absl::Time now) {
  storage::AppendLifecycleEvents(tx, company_id, events, now);
  if (!HasBillPay(tx, company_id)) return std::set<int64_t>{};
  std::vector<domain::SyncEventDraft> drafts;
  for (const domain::LifecycleEvent& event : events) {
    std::vector<int64_t> payment_invoices;
    if (event.kind == domain::LifecycleEventKind::kPaymentRecorded ||
        event.kind == domain::LifecycleEventKind::kPaymentReversed) {
      ASSIGN_OR_RETURN(payment_invoices, InvoicesOfPayment(tx, company_id, event.payment_id));
    }
    for (domain::SyncEventDraft& draft : domain::PlanSync(event, payment_invoices)) drafts.push_back(draft);
  }
  return storage::AppendSyncEvents(tx, company_id, drafts, now);
}

}  // namespace invoicehub::app
