#pragma once
// What is made from an invoice rather than changed on it: its PDF, its email,
// and its backup attachments (BP-5).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/domain/company.h"
#include "server/domain/invoice.h"
#include "storage/attachment_repository.h"
#include "storage/database.h"
#include "storage/invoice_pdf_store.h"

namespace invoicehub::app {

// LC-2: renders the invoice (with its Pay Now URL, BP-4) and stores it as
// its newest PDF revision.
absl::Status RenderAndStoreInvoicePdf(storage::Transaction& tx, const domain::Company& company,
                                      const domain::Invoice& invoice, absl::Time now);

// The PDF of the invoice's last finalize. `expected_version` 0 means any;
// else it must be the current version. A DRAFT (never or no longer final)
// has none: FAILED_PRECONDITION naming LC-2.
absl::StatusOr<storage::StoredPdf> FindInvoicePdf(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                  int64_t expected_version);

struct InvoiceEmail {
  std::string to;
  std::string subject;
  std::string body;
};

// The email of a FINAL invoice from the company's template (or the default),
// with the Pay Now URL where the template asks for it (BP-4).
absl::StatusOr<InvoiceEmail> RenderInvoiceEmail(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                int64_t expected_version);

constexpr size_t kMaxAttachmentBytes = 3 * 1024 * 1024;

// BP-5: stores a backup attachment beside the invoice; it never goes into
// the invoice PDF or to bill-pay.
absl::StatusOr<storage::Attachment> AddInvoiceAttachment(storage::Transaction& tx, int64_t company_id,
                                                         storage::Attachment attachment, absl::Time now);

}  // namespace invoicehub::app
