#pragma once

#include "invoicehub/v1/payment_service.grpc.pb.h"
#include "server/api/call_handling.h"

namespace invoicehub::api {

class PaymentService final : public v1::PaymentService::Service {
 public:
  explicit PaymentService(ApiDeps deps) : deps_(deps) {}

  grpc::Status RecordPayment(grpc::ServerContext* context, const v1::RecordPaymentRequest* request,
                             v1::Payment* response) override;
  grpc::Status GetPayment(grpc::ServerContext* context, const v1::GetPaymentRequest* request,
                          v1::Payment* response) override;
  grpc::Status ListPayments(grpc::ServerContext* context, const v1::ListPaymentsRequest* request,
                            v1::ListPaymentsResponse* response) override;
  grpc::Status ListPrepayments(grpc::ServerContext* context, const v1::ListPrepaymentsRequest* request,
                               v1::ListPrepaymentsResponse* response) override;
  grpc::Status ApplyPrepayment(grpc::ServerContext* context, const v1::ApplyPrepaymentRequest* request,
                               v1::ApplyPrepaymentResponse* response) override;
  grpc::Status ReversePayment(grpc::ServerContext* context, const v1::ReversePaymentRequest* request,
                              v1::Payment* response) override;
  // Not in a MutationScope: the import opens a transaction per page itself.
  grpc::Status ImportPayments(grpc::ServerContext* context, const v1::ImportPaymentsRequest* request,
                              v1::ImportPaymentsResponse* response) override;

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
