#include "server/app/move_back_import.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "server/app/billpay_import.h"
#include "server/domain/field_errors.h"
#include "server/domain/status_macros.h"
#include "storage/billpay_links.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {

absl::Status ImportPaymentsBeforeMoveBack(BillPayGateways& gateways, int64_t company_id, int64_t invoice_id,
                                          const domain::Clock& clock) {
  std::optional<storage::BillPayInvoiceLink> live;
  bool final = false;
  RETURN_IF_ERROR(gateways.database().InTransaction([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kNone,
                                                                   storage::InvoiceLines::kSkip));
    final = invoice.state == domain::InvoiceState::kFinal;
    live = storage::FindLiveBillPayInvoice(tx, company_id, invoice_id);
    return absl::OkStatus();
  }));
  if (!final || !live) return absl::OkStatus();
  absl::StatusOr<ImportSummary> imported = ImportBillPayPayments(gateways, company_id, clock);
  if (imported.ok()) return absl::OkStatus();
  return domain::RuleViolation(
      "BP-7", absl::StrCat("invoice ", invoice_id, " is in bill-pay (", live->billpay_invoice_id,
                           "), and its payments must be imported before it goes back, but the import failed: ",
                           imported.status().message(), ". Nothing was changed; try again once bill-pay answers."));
}

}  // namespace invoicehub::app
