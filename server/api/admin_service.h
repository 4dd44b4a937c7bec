#pragma once

#include "invoicehub/v1/admin_service.grpc.pb.h"
#include "server/api/call_handling.h"

namespace invoicehub::api {

class AdminService final : public v1::AdminService::Service {
 public:
  explicit AdminService(ApiDeps deps) : deps_(deps) {}

  grpc::Status CreateCompany(grpc::ServerContext* context, const v1::CreateCompanyRequest* request,
                             v1::CreateCompanyResponse* response) override;
  grpc::Status GetCompany(grpc::ServerContext* context, const v1::GetCompanyRequest* request,
                          v1::Company* response) override;
  grpc::Status UpdateCompany(grpc::ServerContext* context, const v1::UpdateCompanyRequest* request,
                             v1::Company* response) override;
  grpc::Status CreateApiKey(grpc::ServerContext* context, const v1::CreateApiKeyRequest* request,
                            v1::CreateApiKeyResponse* response) override;
  grpc::Status ListApiKeys(grpc::ServerContext* context, const v1::ListApiKeysRequest* request,
                           v1::ListApiKeysResponse* response) override;
  grpc::Status CheckLedger(grpc::ServerContext* context, const v1::CheckLedgerRequest* request,
                           v1::CheckLedgerResponse* response) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* context, const v1::RevokeApiKeyRequest* request,
                            v1::ApiKey* response) override;

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
