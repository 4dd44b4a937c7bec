#include "server/domain/lifecycle_event.h"

#include <array>
#include <utility>

namespace invoicehub::domain {
namespace {

constexpr std::array<std::pair<LifecycleEventKind, const char*>, 10> kKindNames = {{
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

std::string LifecycleEventKindName(LifecycleEventKind kind) {
  for (const auto& [value, name] : kKindNames)
    if (value == kind) return name;
  return "unknown";
}

std::optional<LifecycleEventKind> LifecycleEventKindFromName(const std::string& name) {
  for (const auto& [value, kind_name] : kKindNames)
    if (name == kind_name) return value;
  return std::nullopt;
}

}  // namespace invoicehub::domain
