#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "server/domain/invoice.h"
#include "storage/database.h"
#include "storage/list_cursor.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

// Inserts the invoice and its lines; totals must already be computed.
absl::StatusOr<domain::Invoice> InsertInvoice(Transaction& tx, int64_t company_id, const domain::Invoice& invoice,
                                              absl::Time now);

// kSkip for a caller that needs only the header (customer, state, amounts):
// it saves the query for the lines.
enum class InvoiceLines { kLoad, kSkip };

// The invoice (with its lines unless kSkip); NOT_FOUND when the company has
// no such invoice.
absl::StatusOr<domain::Invoice> FindInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id,
                                            LockMode lock = LockMode::kNone, InvoiceLines lines = InvoiceLines::kLoad);

// A state move keeps the lines as stored; an edit replaces them.
enum class LinesChange { kKeep, kReplace };

// Writes header, state, number and totals (and the lines when asked), bumps
// the version. The answer carries `invoice.lines`: pass an invoice read with
// its lines.
absl::StatusOr<domain::Invoice> UpdateInvoice(Transaction& tx, int64_t company_id, const domain::Invoice& invoice,
                                              absl::Time now, LinesChange lines);

struct InvoiceFilter {
  int64_t customer_id = 0;                      // 0: any
  std::optional<domain::InvoiceState> state;    // nullopt: any
  std::optional<absl::CivilDay> issued_from;    // inclusive
  std::optional<absl::CivilDay> issued_to;      // inclusive
};

// Up to `limit` invoices (with lines) created after `after`, in creation order.
std::vector<domain::Invoice> ListInvoices(Transaction& tx, int64_t company_id, const InvoiceFilter& filter,
                                          const ListCursor& after, int limit);

// BP-4: the Pay Now URL bill-pay gave. Not a client's edit, so the version
// stays: a clerk who read the invoice before the URL came can still save.
void SetInvoicePayNowUrl(Transaction& tx, int64_t company_id, int64_t invoice_id, const std::string& url);

// Every invoice of the company without lines, for the ledger check.
std::vector<domain::Invoice> ListInvoicesForLedger(Transaction& tx, int64_t company_id);

}  // namespace invoicehub::storage
