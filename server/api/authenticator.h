#pragma once
// Turns the `authorization: Bearer <key>` metadata of a call into a
// Principal. Every failure answers the same UNAUTHENTICATED, so a caller
// learns nothing about which keys or companies exist.

#include <string>

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "server/domain/principal.h"
#include "storage/database.h"

namespace invoicehub::api {

class Authenticator {
 public:
  // An empty operator key disables the operator (no one may create companies).
  Authenticator(storage::Database& database, std::string operator_key)
      : database_(database), operator_key_(std::move(operator_key)) {}

  absl::StatusOr<domain::Principal> Authenticate(const grpc::ServerContext& context) const;

 private:
  storage::Database& database_;
  std::string operator_key_;
};

}  // namespace invoicehub::api
