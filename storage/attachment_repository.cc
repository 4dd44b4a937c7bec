#include "storage/attachment_repository.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "server/domain/status_macros.h"
#include "storage/record_ids.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kInsertAttachment[] =
    "INSERT INTO invoice_attachments (company_id, attachment_id, invoice_id, file_name, content_type, content,"
    " sha256, create_time) VALUES (:company_id, :attachment_id, :invoice_id, :file_name, :content_type,"
    " decode(:content_hex, 'hex'), :sha256, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (company_id, attachment_id) DO NOTHING";

constexpr char kSelectAttachments[] =
    "SELECT attachment_id, invoice_id, file_name, content_type, octet_length(content), sha256,"
    " " INVOICEHUB_MICROS("create_time") " FROM invoice_attachments"
    " WHERE company_id = :company_id AND invoice_id = :invoice_id ORDER BY create_time, attachment_id";

constexpr char kSelectAttachment[] =
    "SELECT attachment_id, invoice_id, file_name, content_type, octet_length(content), sha256,"
    " " INVOICEHUB_MICROS("create_time") ", encode(content, 'hex') FROM invoice_attachments"
    " WHERE company_id = :company_id AND invoice_id = :invoice_id AND attachment_id = :attachment_id";

Attachment FromRow(const soci::row& row) {
  Attachment attachment;
  attachment.id = row.get<long long>(0);
  attachment.invoice_id = row.get<long long>(1);
  attachment.file_name = row.get<std::string>(2);
  attachment.content_type = row.get<std::string>(3);
  attachment.size_bytes = row.get<int>(4);
  attachment.sha256 = row.get<std::string>(5);
  attachment.create_time = FromMicros(row.get<long long>(6));
  return attachment;
}

}  // namespace

absl::StatusOr<Attachment> InsertAttachment(Transaction& tx, int64_t company_id, const Attachment& attachment,
                                            absl::Time now) {
  long long company = company_id, invoice = attachment.invoice_id, micros = ToMicros(now);
  std::string hex = BytesToHex(attachment.content);
  ASSIGN_OR_RETURN(int64_t id, InsertWithRandomId([&](long long& id) {
                     return soci::statement(
                         (tx.session().prepare << kInsertAttachment, soci::use(company, "company_id"),
                          soci::use(id, "attachment_id"), soci::use(invoice, "invoice_id"),
                          soci::use(attachment.file_name, "file_name"),
                          soci::use(attachment.content_type, "content_type"), soci::use(hex, "content_hex"),
                          soci::use(attachment.sha256, "sha256"), soci::use(micros, "now")));
                   }));
  Attachment stored = attachment;
  stored.id = id;
  stored.size_bytes = static_cast<int64_t>(attachment.content.size());
  stored.content.clear();
  stored.create_time = FromMicros(micros);
  return stored;
}

std::vector<Attachment> ListAttachments(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  soci::rowset<soci::row> rows = (tx.session().prepare << kSelectAttachments, soci::use(company, "company_id"),
                                  soci::use(invoice, "invoice_id"));
  std::vector<Attachment> attachments;
  for (const soci::row& row : rows) attachments.push_back(FromRow(row));
  return attachments;
}

absl::StatusOr<Attachment> FindAttachment(Transaction& tx, int64_t company_id, int64_t invoice_id,
                                          int64_t attachment_id) {
  long long company = company_id, invoice = invoice_id, id = attachment_id;
  soci::row row;
  tx.session() << kSelectAttachment, soci::use(company, "company_id"), soci::use(invoice, "invoice_id"),
      soci::use(id, "attachment_id"), soci::into(row);
  if (!tx.session().got_data())
    return absl::NotFoundError(absl::StrCat("invoice ", invoice_id, " has no attachment ", attachment_id));
  Attachment attachment = FromRow(row);
  attachment.content = HexToBytes(row.get<std::string>(7));
  return attachment;
}

}  // namespace invoicehub::storage
