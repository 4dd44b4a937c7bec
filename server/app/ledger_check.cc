#include "server/app/ledger_check.h"

#include "storage/invoice_repository.h"
#include "storage/payment_repository.h"

namespace invoicehub::app {

LedgerReport CheckCompanyLedger(storage::Transaction& tx, int64_t company_id) {
  tx.ReadOneSnapshot();
  domain::LedgerSnapshot snapshot;
  snapshot.invoices = storage::ListInvoicesForLedger(tx, company_id);
  snapshot.payments = storage::ListPaymentsForLedger(tx, company_id);
  LedgerReport report;
  report.invoices_checked = static_cast<int64_t>(snapshot.invoices.size());
  report.payments_checked = static_cast<int64_t>(snapshot.payments.size());
  report.differences = domain::CheckLedger(snapshot);
  return report;
}

}  // namespace invoicehub::app
