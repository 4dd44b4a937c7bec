#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "server/app/change.h"
#include "server/domain/invoice.h"
#include "server/domain/update_mask.h"
#include "storage/database.h"

namespace invoicehub::app {

// The fields an UpdateInvoice may name in its update_mask (LC-1).
inline const std::set<std::string> kEditableInvoiceFields = {"kind", "po_number", "lines", "issue_date", "due_date"};

// What a client may set on a DRAFT (or REISSUE) invoice.
struct InvoiceDraftInput {
  int64_t customer_id = 0;
  domain::InvoiceKind kind = domain::InvoiceKind::kSales;
  std::optional<absl::CivilDay> issue_date;  // nullopt: today in the company's zone
  std::optional<absl::CivilDay> due_date;    // nullopt: issue date + payment terms
  std::string po_number;
  std::vector<domain::InvoiceLineInput> lines;
};

// Both use cases take the field problems the caller already found in the
// request (`errors`), add those that need the database (lines against the
// customer's currency, an unknown customer), and answer INVALID_ARGUMENT
// with all of them together.

// Creates a DRAFT in the customer's currency with server-computed totals.
absl::StatusOr<domain::Invoice> CreateDraftInvoice(storage::Transaction& tx, int64_t company_id,
                                                   const InvoiceDraftInput& input, absl::Time now,
                                                   domain::FieldErrors errors = {});

// Replaces the `mask` fields of a DRAFT or REISSUE invoice (LC-1) if
// `expected_version` is current. A REISSUE's new total must still cover what
// is applied to it (LC-3).
absl::StatusOr<Change<domain::Invoice>> UpdateEditableInvoice(storage::Transaction& tx, int64_t company_id,
                                                           int64_t invoice_id, int64_t expected_version,
                                                           const InvoiceDraftInput& input,
                                                           const domain::UpdateMask& mask, absl::Time now,
                                                           domain::FieldErrors errors = {});

}  // namespace invoicehub::app
