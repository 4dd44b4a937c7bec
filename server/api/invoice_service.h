#pragma once

#include "invoicehub/v1/invoice_service.grpc.pb.h"
#include "server/api/call_handling.h"

namespace invoicehub::api {

class InvoiceService final : public v1::InvoiceService::Service {
 public:
  explicit InvoiceService(ApiDeps deps) : deps_(deps) {}

  grpc::Status CreateInvoice(grpc::ServerContext* context, const v1::CreateInvoiceRequest* request,
                             v1::Invoice* response) override;
  grpc::Status GetInvoice(grpc::ServerContext* context, const v1::GetInvoiceRequest* request,
                          v1::Invoice* response) override;
  grpc::Status ListInvoices(grpc::ServerContext* context, const v1::ListInvoicesRequest* request,
                            v1::ListInvoicesResponse* response) override;
  grpc::Status UpdateInvoice(grpc::ServerContext* context, const v1::UpdateInvoiceRequest* request,
                             v1::Invoice* response) override;

  // invoice_lifecycle_service.cc
  grpc::Status FinalizeInvoice(grpc::ServerContext* context, const v1::FinalizeInvoiceRequest* request,
                               v1::Invoice* response) override;
  grpc::Status ReissueInvoice(grpc::ServerContext* context, const v1::ReissueInvoiceRequest* request,
                              v1::Invoice* response) override;
  grpc::Status RevertInvoiceToDraft(grpc::ServerContext* context, const v1::RevertInvoiceToDraftRequest* request,
                                    v1::Invoice* response) override;
  grpc::Status VoidInvoice(grpc::ServerContext* context, const v1::VoidInvoiceRequest* request,
                           v1::Invoice* response) override;

  // invoice_document_service.cc
  grpc::Status GetInvoicePdf(grpc::ServerContext* context, const v1::GetInvoicePdfRequest* request,
                             grpc::ServerWriter<v1::FileChunk>* writer) override;
  grpc::Status RenderInvoiceEmail(grpc::ServerContext* context, const v1::RenderInvoiceEmailRequest* request,
                                  v1::InvoiceEmail* response) override;
  grpc::Status AddInvoiceAttachment(grpc::ServerContext* context, const v1::AddInvoiceAttachmentRequest* request,
                                    v1::InvoiceAttachment* response) override;
  grpc::Status ListInvoiceAttachments(grpc::ServerContext* context,
                                      const v1::ListInvoiceAttachmentsRequest* request,
                                      v1::ListInvoiceAttachmentsResponse* response) override;
  grpc::Status GetInvoiceAttachment(grpc::ServerContext* context, const v1::GetInvoiceAttachmentRequest* request,
                                    grpc::ServerWriter<v1::FileChunk>* writer) override;

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
