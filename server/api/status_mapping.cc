#include "server/api/status_mapping.h"

#include "invoicehub/v1/common.pb.h"
#include "server/domain/field_errors.h"

namespace invoicehub::api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  v1::RpcStatus rpc_status;
  rpc_status.set_code(static_cast<int>(code));
  rpc_status.set_message(message);

  if (auto violations = domain::FieldViolationsOf(status); !violations.empty()) {
    v1::BadRequest bad_request;
    for (const domain::FieldViolation& v : violations) {
      v1::FieldViolation* field = bad_request.add_field_violations();
      field->set_field(v.field);
      field->set_description(v.description);
    }
    rpc_status.add_details()->PackFrom(bad_request);
  }
  if (std::string rule = domain::RuleOf(status); !rule.empty()) {
    v1::PreconditionFailure failure;
    failure.set_rule(rule);
    failure.set_description(message);
    rpc_status.add_details()->PackFrom(failure);
  }
  if (rpc_status.details_size() == 0) return grpc::Status(code, message);
  return grpc::Status(code, message, rpc_status.SerializeAsString());
}

}  // namespace invoicehub::api
