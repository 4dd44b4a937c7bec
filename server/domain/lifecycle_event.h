#pragma once
// What happened to an invoice or a payment, as an outside service (bill-pay)
// must learn of it. Each change returns its events; they are stored in the
// same transaction as the change, so none is lost or told twice.

#include <cstdint>
#include <optional>
#include <string>

namespace invoicehub::domain {

enum class LifecycleEventKind {
  kInvoiceFinalized,        // DRAFT→FINAL: BP-1 (unless nothing_to_send, BP-2)
  kInvoiceRefinalized,      // REISSUE→FINAL: BP-11
  kInvoiceReissued,         // FINAL→REISSUE
  kInvoiceRevertedToDraft,  // FINAL/REISSUE→DRAFT: BP-9
  kInvoiceVoided,
  kPaymentRecorded,
  kAllocationReleased,    // BP-8: a payment on the invoice became a prepayment
  kPaymentAllReverted,    // BP-10: every invoice of the payment is back
  kPrepaymentApplied,     // BP-8: re-create the payment against the invoice
  kPaymentReversed,
};

struct LifecycleEvent {
  LifecycleEventKind kind;
  int64_t invoice_id = 0;
  int64_t payment_id = 0;
  int64_t amount_minor = 0;
  bool operator==(const LifecycleEvent&) const = default;
};

std::string LifecycleEventKindName(LifecycleEventKind kind);  // "invoice.finalized", ...
std::optional<LifecycleEventKind> LifecycleEventKindFromName(const std::string& name);

}  // namespace invoicehub::domain
