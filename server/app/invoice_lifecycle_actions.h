#pragma once
// The moves of an invoice between DRAFT, FINAL, REISSUE and VOID. Each runs
// in the caller's transaction: it locks the invoice, checks the version the
// client read and the move, changes the invoice and its payments, and stores
// the lifecycle events an outside service must learn of.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/app/change.h"
#include "server/domain/invoice.h"
#include "server/domain/payment.h"
#include "storage/database.h"

namespace invoicehub::app {

struct InvoiceMoveResult {
  Change<domain::Invoice> invoice;
  std::vector<Change<domain::Payment>> payments;  // whose allocations the move released (BP-8)
};

// DRAFT or REISSUE → FINAL. The first finalize numbers the invoice (LC-2);
// every finalize renders and stores its PDF and decides BP-2.
absl::StatusOr<InvoiceMoveResult> FinalizeInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                  int64_t expected_version, absl::Time now);

// FINAL → REISSUE: editable again, keeps its number; payments on it become
// prepayments (BP-8).
absl::StatusOr<InvoiceMoveResult> ReissueInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                 int64_t expected_version, absl::Time now);

// FINAL or REISSUE → DRAFT: payments on it become prepayments (BP-8) and its
// Pay Now URL is dropped (BP-9).
absl::StatusOr<InvoiceMoveResult> RevertInvoiceToDraft(storage::Transaction& tx, int64_t company_id,
                                                       int64_t invoice_id, int64_t expected_version, absl::Time now);

// DRAFT or FINAL (with nothing applied) → VOID. Its number stays taken.
absl::StatusOr<InvoiceMoveResult> VoidInvoice(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                              int64_t expected_version, const std::string& reason, absl::Time now);

}  // namespace invoicehub::app
