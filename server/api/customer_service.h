#pragma once

#include "invoicehub/v1/customer_service.grpc.pb.h"
#include "server/api/call_handling.h"

namespace invoicehub::api {

class CustomerService final : public v1::CustomerService::Service {
 public:
  explicit CustomerService(ApiDeps deps) : deps_(deps) {}

  grpc::Status CreateCustomer(grpc::ServerContext* context, const v1::CreateCustomerRequest* request,
                              v1::Customer* response) override;
  grpc::Status GetCustomer(grpc::ServerContext* context, const v1::GetCustomerRequest* request,
                           v1::Customer* response) override;
  grpc::Status ListCustomers(grpc::ServerContext* context, const v1::ListCustomersRequest* request,
                             v1::ListCustomersResponse* response) override;
  grpc::Status UpdateCustomer(grpc::ServerContext* context, const v1::UpdateCustomerRequest* request,
                              v1::Customer* response) override;

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
