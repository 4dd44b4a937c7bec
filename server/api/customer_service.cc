#include "server/api/customer_service.h"

#include "server/api/page_token.h"
#include "server/api/proto_convert.h"
#include "server/app/customer_actions.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"
#include "storage/customer_repository.h"

namespace invoicehub::api {

using domain::Permission;
using domain::Principal;

grpc::Status CustomerService::CreateCustomer(grpc::ServerContext* context, const v1::CreateCustomerRequest* request,
                                             v1::Customer* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    domain::Customer customer = FromProto(errors, request->customer());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(domain::Customer created,
                       app::CreateCustomer(scope.tx(), principal.company_id, customer, scope.now()));
      ToProto(created, response);
      scope.Audit(principal.company_id, "customer", created.id, nullptr, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status CustomerService::GetCustomer(grpc::ServerContext* context, const v1::GetCustomerRequest* request,
                                          v1::Customer* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t customer_id = ParseId(errors, "customer_id", request->customer_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, principal.company_id, customer_id));
      ToProto(customer, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status CustomerService::ListCustomers(grpc::ServerContext* context, const v1::ListCustomersRequest* request,
                                            v1::ListCustomersResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int page_size = ParsePageSize(errors, request->page_size());
    storage::ListCursor after = ParsePageToken(errors, request->page_token());
    domain::CheckText(errors, "name_contains", request->name_contains(), 200, domain::Presence::kOptional);
    domain::CheckText(errors, "email", request->email(), 254, domain::Presence::kOptional);
    RETURN_IF_ERROR(errors.ToStatus());
    storage::CustomerFilter filter{request->name_contains(), request->email()};
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      auto customers = storage::ListCustomers(tx, principal.company_id, filter, after, page_size + 1);
      FillPage(
          customers, page_size, [&](const domain::Customer& c) { ToProto(c, response->add_customers()); },
          response->mutable_next_page_token());
      return absl::OkStatus();
    });
  });
}

grpc::Status CustomerService::UpdateCustomer(grpc::ServerContext* context, const v1::UpdateCustomerRequest* request,
                                             v1::Customer* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    domain::Customer patch = FromProto(errors, request->customer());
    patch.id = ParseId(errors, "customer.id", request->customer().id());
    domain::UpdateMask mask = ParseUpdateMask(errors, request->update_mask(),
                                              {"display_name", "email", "billing_address", "currency_code",
                                               "payment_terms_days", "delivery_preference"});
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(auto change, app::UpdateCustomer(scope.tx(), principal.company_id, patch, mask, scope.now()));
      scope.AuditChange(principal.company_id, "customer", patch.id, change, response);
      return absl::OkStatus();
    });
  });
}

}  // namespace invoicehub::api
