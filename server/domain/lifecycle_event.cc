#include "server/domain/lifecycle_event.h"

#include "server/domain/enum_names.h"

namespace invoicehub::domain {
namespace {

constexpr EnumNames<LifecycleEventKind, 10> kKindNames = {{
    {LifecycleEventKind::kInvoiceFinalized, "invoice.finalized"},
    {LifecycleEventKind::kInvoiceRefinalized, "invoice.refinalized"},
    {LifecycleEventKind::kInvoiceReissued, "invoice.reissued"},
    {LifecycleEventKind::kInvoiceRevertedToDraft, "invoice.reverted_to_draft"},
    {LifecycleEventKind::kInvoiceVoided, "invoice.voided"},
    {LifecycleEventKind::kPaymentRecorded, "payment.recorded"},
    {LifecycleEventKind::kAllocationReleased, "payment.allocation_released"},
    {LifecycleEventKind::kPaymentAllReverted, "payment.all_invoices_reverted"},
    {LifecycleEventKind::kPrepaymentApplied, "payment.prepayment_applied"},
    {LifecycleEventKind::kPaymentReversed, "payment.reversed"},
}};

}  // namespace

std::string LifecycleEventKindName(LifecycleEventKind kind) { return NameOf(kKindNames, kind); }

std::optional<LifecycleEventKind> LifecycleEventKindFromName(const std::string& name) {
  return ValueOf(kKindNames, name);
}

}  // namespace invoicehub::domain
