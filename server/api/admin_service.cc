#include "server/api/admin_service.h"

#include "absl/strings/str_cat.h"
#include "server/api/payment_convert.h"
#include "server/api/proto_convert.h"
#include "server/app/ledger_check.h"
#include "server/app/company_actions.h"
#include "server/domain/status_macros.h"
#include "storage/api_key_repository.h"
#include "storage/company_repository.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

}  // namespace

grpc::Status AdminService::CreateCompany(grpc::ServerContext* context, const v1::CreateCompanyRequest* request,
                                         v1::CreateCompanyResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kCreateCompanies, [&](const Principal& principal) {
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::CreatedCompany created,
                       app::CreateCompany(scope.tx(), FromProto(request->company()), scope.now()));
      ToProto(created.company, response->mutable_company());
      ToProto(created.admin_key.key, response->mutable_admin_key());
      response->set_admin_key_secret(created.admin_key.secret);
      scope.Audit(created.company.id, "company", created.company.id, nullptr, response->company());
      scope.Audit(created.company.id, "api_key", created.admin_key.key.id, nullptr, response->admin_key());
      return absl::OkStatus();
    }, [](google::protobuf::Message& stored) {
      static_cast<v1::CreateCompanyResponse&>(stored).clear_admin_key_secret();
    });
  });
}

grpc::Status AdminService::GetCompany(grpc::ServerContext* context, const v1::GetCompanyRequest* request,
                                      v1::Company* response) {
  return HandleCall(deps_, context, *request, Permission::kReadCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
      ToProto(company, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminService::UpdateCompany(grpc::ServerContext* context, const v1::UpdateCompanyRequest* request,
                                         v1::Company* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    domain::FieldErrors errors;
    domain::UpdateMask mask = ParseUpdateMask(errors, request->update_mask(),
                                              {"display_name", "time_zone", "default_currency_code",
                                               "invoice_number_prefix", "address", "email_subject_template",
                                               "email_body_template"});
    RETURN_IF_ERROR(errors.ToStatus());
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company.id", request->company().id()));
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(auto change,
                       app::UpdateCompany(scope.tx(), company_id, FromProto(request->company()), mask, scope.now()));
      scope.AuditChange(company_id, "company", company_id, change, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminService::CreateApiKey(grpc::ServerContext* context, const v1::CreateApiKeyRequest* request,
                                        v1::CreateApiKeyResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    domain::FieldErrors errors;
    domain::Role role = ParseRole(errors, "role", request->role());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::IssuedApiKey issued,
                       app::IssueApiKey(scope.tx(), company_id, request->display_name(), role, scope.now()));
      ToProto(issued.key, response->mutable_api_key());
      response->set_secret(issued.secret);
      scope.Audit(company_id, "api_key", issued.key.id, nullptr, response->api_key());
      return absl::OkStatus();
    }, [](google::protobuf::Message& stored) { static_cast<v1::CreateApiKeyResponse&>(stored).clear_secret(); });
  });
}

grpc::Status AdminService::ListApiKeys(grpc::ServerContext* context, const v1::ListApiKeysRequest* request,
                                       v1::ListApiKeysResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      RETURN_IF_ERROR(storage::FindCompany(tx, company_id).status());
      for (const domain::ApiKey& key : storage::ListApiKeys(tx, company_id)) ToProto(key, response->add_api_keys());
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminService::RevokeApiKey(grpc::ServerContext* context, const v1::RevokeApiKeyRequest* request,
                                        v1::ApiKey* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    domain::FieldErrors errors;
    int64_t api_key_id = ParseId(errors, "api_key_id", request->api_key_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(auto change, app::RevokeApiKey(scope.tx(), company_id, api_key_id, scope.now()));
      scope.AuditChange(company_id, "api_key", api_key_id, change, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status AdminService::CheckLedger(grpc::ServerContext* context, const v1::CheckLedgerRequest* request,
                                       v1::CheckLedgerResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ToProto(app::CheckCompanyLedger(tx, company_id), response);
      return storage::FindCompany(tx, company_id).status();
    });
  });
}

}  // namespace invoicehub::api
