#include "storage/idempotency_store.h"

#include <soci/soci.h>

#include "absl/strings/escaping.h"
#include "server/domain/field_errors.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

// ON CONFLICT waits for a concurrent holder of the key to commit or roll back.
constexpr char kClaim[] =
    "INSERT INTO idempotent_requests (scope_id, api_key_id, request_id, method, request_sha256, create_time)"
    " VALUES (:scope_id, :api_key_id, :request_id, :method, :sha256, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (scope_id, api_key_id, request_id) DO NOTHING";

constexpr char kSelect[] =
    "SELECT method, request_sha256, response FROM idempotent_requests"
    " WHERE scope_id = :scope_id AND api_key_id = :api_key_id AND request_id = :request_id";

constexpr char kSaveResponse[] =
    "UPDATE idempotent_requests SET response = :response"
    " WHERE scope_id = :scope_id AND api_key_id = :api_key_id AND request_id = :request_id";

}  // namespace

absl::StatusOr<std::optional<std::string>> ClaimRequest(Transaction& tx, const RequestKey& key, absl::Time now) {
  long long scope = key.scope_id, api_key = key.api_key_id, micros = ToMicros(now);
  soci::statement claim = (tx.session().prepare << kClaim, soci::use(scope, "scope_id"), soci::use(api_key, "api_key_id"),
                           soci::use(key.request_id, "request_id"), soci::use(key.method, "method"),
                           soci::use(key.request_sha256, "sha256"), soci::use(micros, "now"));
  claim.execute(true);
  if (claim.get_affected_rows() == 1) return std::optional<std::string>();

  std::string method, sha256, response;
  tx.session() << kSelect, soci::use(scope, "scope_id"), soci::use(api_key, "api_key_id"),
      soci::use(key.request_id, "request_id"),
      soci::into(method), soci::into(sha256), soci::into(response);
  if (method != key.method || sha256 != key.request_sha256)
    return domain::InvalidField("request_id", "was already used for a different request; use a new request_id");
  std::string bytes;
  if (!absl::Base64Unescape(response, &bytes)) return absl::InternalError("stored response is corrupt");
  return std::optional<std::string>(std::move(bytes));
}

void SaveResponse(Transaction& tx, const RequestKey& key, const std::string& response) {
  long long scope = key.scope_id, api_key = key.api_key_id;
  std::string encoded = absl::Base64Escape(response);
  tx.session() << kSaveResponse, soci::use(encoded, "response"), soci::use(scope, "scope_id"),
      soci::use(api_key, "api_key_id"),
      soci::use(key.request_id, "request_id");
}

}  // namespace invoicehub::storage
