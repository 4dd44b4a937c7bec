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

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
