#include "server/app/invoice_lifecycle_actions.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "server/app/billpay_sync_plan.h"
#include "server/app/invoice_documents.h"
#include "server/app/ledger_moves.h"
#include "server/domain/invoice_lifecycle.h"
#include "server/domain/lifecycle_event.h"
#include "server/domain/status_macros.h"
#include "server/domain/update_mask.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/invoice_numbering.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {
namespace {

// The invoice locked for a move, after the version and move checks.
absl::StatusOr<domain::Invoice> LockForMove(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                            int64_t expected_version, domain::InvoiceState to) {
  ASSIGN_OR_RETURN(domain::Invoice invoice,
                   storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kForUpdate));
  RETURN_IF_ERROR(domain::CheckVersion("version", invoice.version, expected_version));
  RETURN_IF_ERROR(domain::CheckMove(invoice, to));
  return invoice;
}

// Stores the move's events and bill-pay's outbox rows; the answer shows the
// sync they started.
absl::Status RecordMoveEvents(storage::Transaction& tx, int64_t company_id,
                              const std::vector<domain::LifecycleEvent>& events, absl::Time now,
                              domain::Invoice& after) {
  ASSIGN_OR_RETURN(std::set<int64_t> pending, RecordLifecycleEvents(tx, company_id, events, now));
  if (pending.count(after.id) > 0) after.sync_state = domain::InvoiceSyncState::kPending;
  return absl::OkStatus();
}

// FINAL or REISSUE → `to` (DRAFT or REISSUE): BP-8 under the customer's
// ledger lock, then the invoice itself.
absl::StatusOr<InvoiceMoveResult> MoveBack(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                           int64_t expected_version, domain::InvoiceState to, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Invoice unlocked, storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kNone,
                                                                  storage::InvoiceLines::kSkip));
  RETURN_IF_ERROR(LockCustomerLedger(tx, company_id, unlocked.customer_id).status());
  ASSIGN_OR_RETURN(domain::Invoice before, LockForMove(tx, company_id, invoice_id, expected_version, to));
  std::vector<domain::LifecycleEvent> events;
  const std::string reason = absl::StrCat("invoice ", before.number, " went from ",
                                          domain::InvoiceStateName(before.state), " to ",
                                          domain::InvoiceStateName(to));
  ASSIGN_OR_RETURN(std::vector<Change<domain::Payment>> payments,
                   ReleaseAllocations(tx, company_id, before, reason, now, events));
  domain::Invoice next = before;
  next.state = to;
  SetApplied(next, 0);
  next.nothing_to_send = false;
  if (to == domain::InvoiceState::kDraft) next.pay_now_url.clear();  // BP-9: the bill-pay record goes
  ASSIGN_OR_RETURN(domain::Invoice after,
                   storage::UpdateInvoice(tx, company_id, next, now, storage::LinesChange::kKeep));
  events.insert(events.begin(), {to == domain::InvoiceState::kDraft ? domain::LifecycleEventKind::kInvoiceRevertedToDraft
                                                                    : domain::LifecycleEventKind::kInvoiceReissued,
                                 invoice_id, 0, 0});
  RETURN_IF_ERROR(RecordMoveEvents(tx, company_id, events, now, after));
  return InvoiceMoveResult{{std::move(before), std::move(after)}, std::move(payments)};
}

}  // namespace

absl::StatusOr<InvoiceMoveResult> FinalizeInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                  int64_t expected_version, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Invoice before,
                   LockForMove(tx, company_id, invoice_id, expected_version, domain::InvoiceState::kFinal));
  ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
  domain::Invoice next = before;
  next.state = domain::InvoiceState::kFinal;
  if (next.number.empty()) {  // LC-2: numbered once, at the first finalize
    ASSIGN_OR_RETURN(int64_t number, storage::NextInvoiceNumber(tx, company_id));
    next.number = domain::FormatInvoiceNumber(company.invoice_number_prefix, number);
  }
  next.nothing_to_send = domain::NothingToSend(next);  // BP-2
  ASSIGN_OR_RETURN(domain::Invoice after,
                   storage::UpdateInvoice(tx, company_id, next, now, storage::LinesChange::kKeep));
  RETURN_IF_ERROR(RenderAndStoreInvoicePdf(tx, company, after, now));  // LC-2
  domain::LifecycleEventKind kind = before.state == domain::InvoiceState::kReissue
                                        ? domain::LifecycleEventKind::kInvoiceRefinalized
                                        : domain::LifecycleEventKind::kInvoiceFinalized;
  RETURN_IF_ERROR(RecordMoveEvents(tx, company_id, {{kind, invoice_id, 0, after.outstanding_minor}}, now, after));
  return InvoiceMoveResult{{std::move(before), std::move(after)}, {}};
}

absl::StatusOr<InvoiceMoveResult> ReissueInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                 int64_t expected_version, absl::Time now) {
  return MoveBack(tx, company_id, invoice_id, expected_version, domain::InvoiceState::kReissue, now);
}

absl::StatusOr<InvoiceMoveResult> RevertInvoiceToDraft(storage::Transaction& tx, int64_t company_id,
                                                       int64_t invoice_id, int64_t expected_version, absl::Time now) {
  return MoveBack(tx, company_id, invoice_id, expected_version, domain::InvoiceState::kDraft, now);
}

absl::StatusOr<InvoiceMoveResult> VoidInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                              int64_t expected_version, const std::string& reason, absl::Time now) {
  // CheckMove refuses a FINAL invoice with anything applied; the invoice row
  // lock keeps a payment from being applied meanwhile.
  ASSIGN_OR_RETURN(domain::Invoice before,
                   LockForMove(tx, company_id, invoice_id, expected_version, domain::InvoiceState::kVoid));
  domain::Invoice next = before;
  next.state = domain::InvoiceState::kVoid;
  next.void_reason = reason;
  next.outstanding_minor = 0;  // nothing is owed on a VOID invoice
  next.pay_now_url.clear();
  ASSIGN_OR_RETURN(domain::Invoice after,
                   storage::UpdateInvoice(tx, company_id, next, now, storage::LinesChange::kKeep));
  RETURN_IF_ERROR(
      RecordMoveEvents(tx, company_id, {{domain::LifecycleEventKind::kInvoiceVoided, invoice_id, 0, 0}}, now, after));
  return InvoiceMoveResult{{std::move(before), std::move(after)}, {}};
}

}  // namespace invoicehub::app
