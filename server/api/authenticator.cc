#include "server/api/authenticator.h"

#include "absl/strings/match.h"
#include "server/app/api_key_secrets.h"
#include "storage/api_key_repository.h"

namespace invoicehub::api {
namespace {

constexpr char kBearer[] = "Bearer ";

absl::Status Unauthenticated() {
  return absl::UnauthenticatedError("missing, malformed, unknown or revoked API key; send 'authorization: Bearer <key>'");
}

}  // namespace

absl::StatusOr<domain::Principal> Authenticator::Authenticate(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return Unauthenticated();
  std::string header(it->second.data(), it->second.size());
  if (!absl::StartsWith(header, kBearer)) return Unauthenticated();
  std::string secret = header.substr(sizeof(kBearer) - 1);

  if (!operator_key_.empty() && app::SecretsEqual(secret, operator_key_)) {
    domain::Principal principal;
    principal.is_operator = true;
    return principal;
  }

  std::optional<int64_t> company_id = app::CompanyIdOfApiKey(secret);
  if (!company_id) return Unauthenticated();
  std::optional<domain::ApiKey> key;
  absl::Status status = database_.InTransaction([&](storage::Transaction& tx) {
    key = storage::FindActiveApiKeyByHash(tx, *company_id, app::Sha256Hex(secret));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;  // e.g. UNAVAILABLE: the caller may retry
  if (!key) return Unauthenticated();
  domain::Principal principal;
  principal.company_id = key->company_id;
  principal.api_key_id = key->id;
  principal.role = key->role;
  return principal;
}

}  // namespace invoicehub::api
