#include "server/domain/sync_event.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/domain/enum_names.h"

namespace invoicehub::domain {
namespace {

constexpr EnumNames<SyncAction, 5> kActionNames = {{
    {SyncAction::kSendInvoice, "send_invoice"},
    {SyncAction::kUpdateBalance, "update_balance"},
    {SyncAction::kDeleteInvoice, "delete_invoice"},
    {SyncAction::kCreatePayment, "create_payment"},
    {SyncAction::kDeletePayment, "delete_payment"},
}};

constexpr EnumNames<SyncState, 3> kStateNames = {{
    {SyncState::kPending, "pending"},
    {SyncState::kSynced, "synced"},
    {SyncState::kFailed, "failed"},
}};

std::vector<SyncEventDraft> BalancesOf(const std::vector<int64_t>& invoice_ids) {
  std::vector<SyncEventDraft> drafts;
  for (int64_t invoice_id : invoice_ids) drafts.push_back({SyncAction::kUpdateBalance, invoice_id, 0, 0});
  return drafts;
}

}  // namespace

std::string SyncActionName(SyncAction action) { return NameOf(kActionNames, action); }
std::optional<SyncAction> SyncActionFromName(const std::string& name) { return ValueOf(kActionNames, name); }
std::string SyncStateName(SyncState state) { return NameOf(kStateNames, state); }
std::optional<SyncState> SyncStateFromName(const std::string& name) { return ValueOf(kStateNames, name); }

std::string SyncOrderKey(const SyncEventDraft& draft) {
  if (draft.invoice_id != 0) return absl::StrCat("invoice:", draft.invoice_id);
  return absl::StrCat("payment:", draft.payment_id);
}

std::vector<SyncEventDraft> PlanSync(const LifecycleEvent& event, const std::vector<int64_t>& payment_invoice_ids) {
  switch (event.kind) {
    case LifecycleEventKind::kInvoiceFinalized:
    case LifecycleEventKind::kInvoiceRefinalized:  // BP-11: an update, the URL stays
      return {{SyncAction::kSendInvoice, event.invoice_id, 0, 0}};
    case LifecycleEventKind::kInvoiceReissued:  // the record stays until the next finalize
      return {};
    case LifecycleEventKind::kInvoiceRevertedToDraft:  // BP-9
    case LifecycleEventKind::kInvoiceVoided:
      return {{SyncAction::kDeleteInvoice, event.invoice_id, 0, 0}};
    case LifecycleEventKind::kPaymentRecorded: {
      std::vector<SyncEventDraft> drafts = BalancesOf(payment_invoice_ids);
      // BP-8: a bill-pay payment that lands wholly as a prepayment (its
      // invoices were no longer FINAL) leaves bill-pay at once.
      if (payment_invoice_ids.empty()) drafts.push_back({SyncAction::kDeletePayment, 0, event.payment_id, 0});
      return drafts;
    }
    case LifecycleEventKind::kAllocationReleased:  // BP-8: what we paid again on this invoice goes
      return {{SyncAction::kDeletePayment, event.invoice_id, event.payment_id, 0}};
    case LifecycleEventKind::kPaymentAllReverted:  // BP-10: the payer's payment goes
      return {{SyncAction::kDeletePayment, 0, event.payment_id, 0}};
    case LifecycleEventKind::kPrepaymentApplied:  // BP-8: paid again, against this invoice
      return {{SyncAction::kCreatePayment, event.invoice_id, event.payment_id, event.amount_minor},
              {SyncAction::kUpdateBalance, event.invoice_id, 0, 0}};
    case LifecycleEventKind::kPaymentReversed:
      return BalancesOf(payment_invoice_ids);
  }
  return {};
}

absl::Duration RetryDelay(const RetryPolicy& policy, int attempts, std::mt19937_64& random) {
  absl::Duration delay = policy.base_delay;
  for (int i = 1; i < attempts && delay < policy.max_delay; ++i) delay *= 2;
  delay = std::min(delay, policy.max_delay);
  std::uniform_real_distribution<double> half_to_one(0.5, 1.0);
  return delay * half_to_one(random);
}

}  // namespace invoicehub::domain
