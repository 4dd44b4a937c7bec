#include "integrations/billpay/sandbox/http_replies.h"

#include "integrations/billpay/sandbox/sandbox_state.h"

namespace invoicehub::billpay::sandbox {

Reply JsonReply(int status, const Json& body) {
  return Reply{status, body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

Reply ErrorReply(int status, std::string_view code, std::string_view message, std::string_view existing_id) {
  Json error = {{"code", code}, {"message", message}};
  if (!existing_id.empty()) error["existing_id"] = existing_id;
  return JsonReply(status, {{"error", std::move(error)}});
}

Reply StatusReply(const absl::Status& status) {
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return ErrorReply(400, "invalid_request", message);
    case absl::StatusCode::kUnauthenticated:
      return ErrorReply(401, "unauthorized", message);
    case absl::StatusCode::kNotFound:
      return ErrorReply(404, "not_found", message);
    case absl::StatusCode::kAlreadyExists: {
      auto existing = status.GetPayload(kExistingIdPayload);
      return ErrorReply(409, "already_exists", message, existing ? std::string(*existing) : "");
    }
    case absl::StatusCode::kFailedPrecondition:
      return ErrorReply(409, "invalid_state", message);
    case absl::StatusCode::kUnavailable:
      return ErrorReply(503, "unavailable", message);
    default:
      return ErrorReply(500, "internal", message);
  }
}

}  // namespace invoicehub::billpay::sandbox
