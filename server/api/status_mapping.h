#pragma once
// absl::Status (what the layers below return) -> grpc::Status (what clients
// see). INVALID_ARGUMENT carries a BadRequest with every field violation and
// FAILED_PRECONDITION a PreconditionFailure with the rule id, packed in an
// RpcStatus (wire-compatible with google.rpc.Status) as the error details.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace invoicehub::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace invoicehub::api
