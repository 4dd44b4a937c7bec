#include "server/app/invoice_actions.h"

#include "server/domain/status_macros.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {
namespace {

absl::StatusOr<absl::CivilDay> TodayForCompany(storage::Transaction& tx, int64_t company_id, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(company.time_zone, &zone)) zone = absl::UTCTimeZone();
  return absl::ToCivilDay(now, zone);
}

// Lines, dates and totals of `invoice` from what the client sent; every
// problem is reported at once.
absl::Status ApplyDraftInput(storage::Transaction& tx, int64_t company_id, const InvoiceDraftInput& input,
                             const domain::UpdateMask& mask, absl::Time now, domain::Invoice& invoice) {
  ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, company_id, invoice.customer_id));
  domain::FieldErrors errors;
  if (mask.Has("kind")) invoice.kind = input.kind;
  if (mask.Has("po_number")) invoice.po_number = input.po_number;
  if (mask.Has("lines")) invoice.lines = domain::ParseInvoiceLines(errors, "lines", input.lines, invoice.currency_code);
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
                                                   const InvoiceDraftInput& input, absl::Time now) {
  auto customer = storage::FindCustomer(tx, company_id, input.customer_id);
  if (absl::IsNotFound(customer.status())) return domain::InvalidField("customer_id", "no such customer");
  RETURN_IF_ERROR(customer.status());
  domain::Invoice invoice;
  invoice.customer_id = customer->id;
  invoice.state = domain::InvoiceState::kDraft;
  invoice.currency_code = customer->currency_code;
  ASSIGN_OR_RETURN(domain::UpdateMask everything,
                   domain::UpdateMask::Parse({}, {"kind", "po_number", "lines", "issue_date", "due_date"}));
  RETURN_IF_ERROR(ApplyDraftInput(tx, company_id, input, everything, now, invoice));
  return storage::InsertInvoice(tx, company_id, invoice, now);
}

absl::StatusOr<Change<domain::Invoice>> UpdateDraftInvoice(storage::Transaction& tx, int64_t company_id,
                                                           int64_t invoice_id, int64_t expected_version,
                                                           const InvoiceDraftInput& input,
                                                           const domain::UpdateMask& mask, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Invoice current,
                   storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kForUpdate));
  RETURN_IF_ERROR(domain::CheckVersion("version", current.version, expected_version));
  RETURN_IF_ERROR(domain::CheckEditable(current));  // LC-1
  domain::Invoice next = current;
  RETURN_IF_ERROR(ApplyDraftInput(tx, company_id, input, mask, now, next));
  ASSIGN_OR_RETURN(domain::Invoice saved, storage::UpdateInvoice(tx, company_id, next, now));
  return Change<domain::Invoice>{std::move(current), std::move(saved)};
}

}  // namespace invoicehub::app
