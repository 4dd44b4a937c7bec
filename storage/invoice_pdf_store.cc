#include "storage/invoice_pdf_store.h"

#include <soci/soci.h>

#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

// Bytes travel hex-encoded: SOCI binds text, and hex is bytea's own format.
constexpr char kInsertPdf[] =
    "INSERT INTO invoice_pdfs (company_id, invoice_id, revision, pdf, sha256, create_time)"
    " SELECT :company_id, :invoice_id, COALESCE(MAX(revision), 0) + 1, decode(:pdf_hex, 'hex'), :sha256,"
    " " INVOICEHUB_FROM_MICROS(":now") " FROM invoice_pdfs WHERE company_id = :company_id2 AND invoice_id = :invoice_id2"
    " RETURNING revision";

constexpr char kSelectNewestPdf[] =
    "SELECT revision, encode(pdf, 'hex'), sha256, " INVOICEHUB_MICROS("create_time")
    " FROM invoice_pdfs WHERE company_id = :company_id AND invoice_id = :invoice_id"
    " ORDER BY revision DESC LIMIT 1";

}  // namespace

int SaveInvoicePdf(Transaction& tx, int64_t company_id, int64_t invoice_id, const std::string& pdf,
                   const std::string& sha256, absl::Time now) {
  long long company = company_id, company2 = company_id, invoice = invoice_id, invoice2 = invoice_id;
  long long micros = ToMicros(now);
  std::string hex = BytesToHex(pdf);
  int revision = 0;
  tx.session() << kInsertPdf, soci::use(company, "company_id"), soci::use(invoice, "invoice_id"),
      soci::use(hex, "pdf_hex"), soci::use(sha256, "sha256"), soci::use(micros, "now"),
      soci::use(company2, "company_id2"), soci::use(invoice2, "invoice_id2"), soci::into(revision);
  return revision;
}

std::optional<StoredPdf> FindInvoicePdf(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  soci::row row;
  tx.session() << kSelectNewestPdf, soci::use(company, "company_id"), soci::use(invoice, "invoice_id"),
      soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return StoredPdf{row.get<int>(0), HexToBytes(row.get<std::string>(1)), row.get<std::string>(2),
                   FromMicros(row.get<long long>(3))};
}

}  // namespace invoicehub::storage
