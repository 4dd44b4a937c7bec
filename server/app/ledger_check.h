#pragma once

#include <cstdint>
#include <vector>

#include "server/domain/ledger.h"
#include "storage/database.h"

namespace invoicehub::app {

struct LedgerReport {
  int64_t invoices_checked = 0;
  int64_t payments_checked = 0;
  std::vector<domain::LedgerDifference> differences;  // empty: the ledger is clean
};

// Recomputes the company's ledger from its rows (domain/ledger.h). It must
// be the transaction's first work: it reads every table in one snapshot, so
// changes committing meanwhile cannot show as differences.
LedgerReport CheckCompanyLedger(storage::Transaction& tx, int64_t company_id);

}  // namespace invoicehub::app
