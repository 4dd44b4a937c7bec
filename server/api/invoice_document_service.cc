// InvoiceService: the PDF, the email and the backup attachments (BP-5).

#include <algorithm>

#include "server/api/invoice_service.h"
#include "server/api/proto_convert.h"
#include "server/app/invoice_documents.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"
#include "storage/attachment_repository.h"
#include "storage/invoice_repository.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

// A multiple of 3, so that the base64 of the chunks (grpcurl's JSON) can
// simply be concatenated: no chunk but the last carries padding.
constexpr size_t kChunkBytes = 48 * 1024;

// Streams `bytes` in chunks; the first carries what describes the file.
absl::Status WriteChunks(grpc::ServerWriter<v1::FileChunk>* writer, const std::string& bytes, v1::FileChunk first) {
  first.set_total_size(static_cast<int64_t>(bytes.size()));
  size_t offset = 0;
  do {
    v1::FileChunk chunk = offset == 0 ? first : v1::FileChunk();
    size_t length = std::min(kChunkBytes, bytes.size() - offset);
    chunk.set_data(bytes.substr(offset, length));
    if (!writer->Write(chunk)) return absl::CancelledError("the client stopped reading");
    offset += length;
  } while (offset < bytes.size());
  return absl::OkStatus();
}

void ToProto(const storage::Attachment& attachment, v1::InvoiceAttachment* out) {
  out->set_id(FormatId(attachment.id));
  out->set_invoice_id(FormatId(attachment.invoice_id));
  out->set_file_name(attachment.file_name);
  out->set_content_type(attachment.content_type);
  out->set_size_bytes(attachment.size_bytes);
  out->set_sha256(attachment.sha256);
  *out->mutable_create_time() = ToTimestamp(attachment.create_time);
}

// "type/subtype" of printable ASCII, as in a Content-Type header.
bool LooksLikeMediaType(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() || text.size() > 100) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace

grpc::Status InvoiceService::GetInvoicePdf(grpc::ServerContext* context, const v1::GetInvoicePdfRequest* request,
                                           grpc::ServerWriter<v1::FileChunk>* writer) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    RETURN_IF_ERROR(errors.ToStatus());
    storage::StoredPdf pdf;
    RETURN_IF_ERROR(RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(pdf, app::FindInvoicePdf(tx, principal.company_id, invoice_id, request->version()));
      return absl::OkStatus();
    }));
    v1::FileChunk first;
    first.set_sha256(pdf.sha256);
    first.set_content_type("application/pdf");
    first.set_file_name("invoice-" + request->invoice_id() + ".pdf");
    return WriteChunks(writer, pdf.pdf, std::move(first));
  });
}

grpc::Status InvoiceService::RenderInvoiceEmail(grpc::ServerContext* context,
                                                const v1::RenderInvoiceEmailRequest* request,
                                                v1::InvoiceEmail* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(app::InvoiceEmail email,
                       app::RenderInvoiceEmail(tx, principal.company_id, invoice_id, request->version()));
      response->set_to(email.to);
      response->set_subject(email.subject);
      response->set_body(email.body);
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::AddInvoiceAttachment(grpc::ServerContext* context,
                                                  const v1::AddInvoiceAttachmentRequest* request,
                                                  v1::InvoiceAttachment* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    storage::Attachment attachment;
    attachment.invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    domain::CheckText(errors, "file_name", request->file_name(), 255, domain::Presence::kRequired);
    attachment.file_name = request->file_name();
    attachment.content_type = request->content_type().empty() ? "application/octet-stream" : request->content_type();
    if (!LooksLikeMediaType(attachment.content_type))
      errors.Add("content_type", "must be a media type such as \"application/pdf\"");
    if (request->content().empty() || request->content().size() > app::kMaxAttachmentBytes)
      errors.Add("content", "must be 1 byte to 3 MiB");
    RETURN_IF_ERROR(errors.ToStatus());
    attachment.content = request->content();
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(storage::Attachment stored,
                       app::AddInvoiceAttachment(scope.tx(), principal.company_id, attachment, scope.now()));
      ToProto(stored, response);
      scope.Audit(principal.company_id, "invoice_attachment", stored.id, nullptr, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::ListInvoiceAttachments(grpc::ServerContext* context,
                                                    const v1::ListInvoiceAttachmentsRequest* request,
                                                    v1::ListInvoiceAttachmentsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      RETURN_IF_ERROR(storage::FindInvoice(tx, principal.company_id, invoice_id, storage::LockMode::kNone,
                                           storage::InvoiceLines::kSkip)
                          .status());
      for (const storage::Attachment& attachment : storage::ListAttachments(tx, principal.company_id, invoice_id))
        ToProto(attachment, response->add_attachments());
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::GetInvoiceAttachment(grpc::ServerContext* context,
                                                  const v1::GetInvoiceAttachmentRequest* request,
                                                  grpc::ServerWriter<v1::FileChunk>* writer) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    int64_t attachment_id = ParseId(errors, "attachment_id", request->attachment_id());
    RETURN_IF_ERROR(errors.ToStatus());
    storage::Attachment attachment;
    RETURN_IF_ERROR(RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(attachment, storage::FindAttachment(tx, principal.company_id, invoice_id, attachment_id));
      return absl::OkStatus();
    }));
    v1::FileChunk first;
    first.set_sha256(attachment.sha256);
    first.set_content_type(attachment.content_type);
    first.set_file_name(attachment.file_name);
    return WriteChunks(writer, attachment.content, std::move(first));
  });
}

}  // namespace invoicehub::api
