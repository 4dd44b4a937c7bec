#include "server/app/invoice_actions.h"

#include "server/app/company_today.h"
#include "server/domain/status_macros.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {
namespace {

// Lines, dates and totals of `invoice` from what the client sent. Adds the
// problems to `errors` and answers with all of them.
absl::Status ApplyDraftInput(storage::Transaction& tx, int64_t company_id, const InvoiceDraftInput& input,
                             const domain::UpdateMask& mask, absl::Time now, domain::FieldErrors& errors,
                             domain::Invoice& invoice) {
  if (mask.Has("kind")) invoice.kind = input.kind;
  if (mask.Has("po_number")) invoice.po_number = input.po_number;
  if (mask.Has("lines")) invoice.lines = domain::ParseInvoiceLines(errors, "lines", input.lines, invoice.currency_code);
  if (!errors.empty()) return errors.ToStatus();
  ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, company_id, invoice.customer_id));
  if (mask.Has("issue_date")) {
    if (input.issue_date) {
      invoice.issue_date = *input.issue_date;
    } else {
      ASSIGN_OR_RETURN(invoice.issue_date, TodayForCompany(tx, company_id, now));
    }
  }
  if (mask.Has("due_date")) invoice.due_date = input.due_date.value_or(invoice.issue_date + customer.payment_terms_days);
  domain::ValidateInvoiceHeader(errors, invoice);
  RETURN_IF_ERROR(errors.ToStatus());
  return domain::ComputeTotals(invoice);
}

}  // namespace

absl::StatusOr<domain::Invoice> CreateDraftInvoice(storage::Transaction& tx, int64_t company_id,
                                                   const InvoiceDraftInput& input, absl::Time now,
                                                   domain::FieldErrors errors) {
  domain::Invoice invoice;
  invoice.state = domain::InvoiceState::kDraft;
  if (input.customer_id > 0) {
    auto customer = storage::FindCustomer(tx, company_id, input.customer_id);
    if (absl::IsNotFound(customer.status())) {
      errors.Add("customer_id", "no such customer");
    } else {
      RETURN_IF_ERROR(customer.status());
      invoice.customer_id = customer->id;
      invoice.currency_code = customer->currency_code;
    }
  }
  RETURN_IF_ERROR(ApplyDraftInput(tx, company_id, input, domain::UpdateMask::All(kEditableInvoiceFields), now, errors,
                                  invoice));
  return storage::InsertInvoice(tx, company_id, invoice, now);
}

absl::StatusOr<Change<domain::Invoice>> UpdateEditableInvoice(storage::Transaction& tx, int64_t company_id,
                                                           int64_t invoice_id, int64_t expected_version,
                                                           const InvoiceDraftInput& input,
                                                           const domain::UpdateMask& mask, absl::Time now,
                                                           domain::FieldErrors errors) {
  ASSIGN_OR_RETURN(domain::Invoice current,
                   storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kForUpdate));
  domain::Invoice next = current;
  // Bad input is reported before the version and state checks: fixing it
  // is needed either way.
  if (absl::Status status = ApplyDraftInput(tx, company_id, input, mask, now, errors, next);
      absl::IsInvalidArgument(status))
    return status;
  else
    RETURN_IF_ERROR(status);
  RETURN_IF_ERROR(domain::CheckVersion("version", current.version, expected_version));
  RETURN_IF_ERROR(domain::CheckEditable(current));  // LC-1
  RETURN_IF_ERROR(domain::CheckAppliedWithinTotal(next));  // LC-3
  ASSIGN_OR_RETURN(domain::Invoice saved,
                   storage::UpdateInvoice(tx, company_id, next, now, storage::LinesChange::kReplace));
  return Change<domain::Invoice>{std::move(current), std::move(saved)};
}

}  // namespace invoicehub::app
