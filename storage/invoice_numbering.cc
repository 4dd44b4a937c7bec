#include "storage/invoice_numbering.h"

#include <soci/soci.h>

namespace invoicehub::storage {
namespace {

constexpr char kNextNumber[] =
    "INSERT INTO invoice_number_counters (company_id, last_number) VALUES (:company_id, 1)"
    " ON CONFLICT (company_id) DO UPDATE SET last_number = invoice_number_counters.last_number + 1"
    " RETURNING last_number";

}  // namespace

absl::StatusOr<int64_t> NextInvoiceNumber(Transaction& tx, int64_t company_id) {
  long long company = company_id, number = 0;
  tx.session() << kNextNumber, soci::use(company, "company_id"), soci::into(number);
  if (!tx.session().got_data()) return absl::InternalError("the invoice number counter returned no row");
  return number;
}

}  // namespace invoicehub::storage
