#pragma once
// Answers in the contract's form: JSON bodies, and errors as
// {"error": {"code", "message", "existing_id"}} with the status the
// contract's table gives each code.

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {

// An answer before it is sent; /v1 changes keep it as the idempotent answer.
struct Reply {
  int status = 200;
  std::string body;  // JSON
};

Reply JsonReply(int status, const Json& body);
Reply ErrorReply(int status, std::string_view code, std::string_view message, std::string_view existing_id = "");
// INVALID_ARGUMENT 400 invalid_request, UNAUTHENTICATED 401 unauthorized,
// NOT_FOUND 404 not_found, ALREADY_EXISTS 409 already_exists (with the
// existing id), FAILED_PRECONDITION 409 invalid_state, UNAVAILABLE 503
// unavailable, anything else 500 internal.
Reply StatusReply(const absl::Status& status);

}  // namespace invoicehub::billpay::sandbox
