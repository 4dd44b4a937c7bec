#include "storage/api_key_repository.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "server/domain/status_macros.h"
#include "storage/record_ids.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kColumns[] =
    "SELECT company_id, api_key_id, display_name, role, secret_prefix, " INVOICEHUB_MICROS("create_time")
    ", COALESCE(" INVOICEHUB_MICROS("revoke_time") ", -1) FROM api_keys";

constexpr char kInsertApiKey[] =
    "INSERT INTO api_keys (company_id, api_key_id, display_name, role, secret_sha256, secret_prefix, create_time)"
    " VALUES (:company_id, :api_key_id, :display_name, :role, :sha256, :prefix, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (company_id, api_key_id) DO NOTHING";

constexpr char kRevokeApiKey[] =
    "UPDATE api_keys SET revoke_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND api_key_id = :api_key_id AND revoke_time IS NULL";

domain::ApiKey FromRow(const soci::row& row) {
  domain::ApiKey key;
  key.company_id = row.get<long long>(0);
  key.id = row.get<long long>(1);
  key.display_name = row.get<std::string>(2);
  key.role = domain::RoleFromName(row.get<std::string>(3)).value_or(domain::Role::kViewer);
  key.secret_prefix = row.get<std::string>(4);
  key.create_time = FromMicros(row.get<long long>(5));
  if (long long revoked = row.get<long long>(6); revoked >= 0) key.revoke_time = FromMicros(revoked);
  return key;
}

}  // namespace

absl::StatusOr<domain::ApiKey> InsertApiKey(Transaction& tx, const domain::ApiKey& key,
                                            const std::string& secret_sha256, absl::Time now) {
  long long company_id = key.company_id, micros = ToMicros(now);
  std::string role = domain::RoleName(key.role);
  ASSIGN_OR_RETURN(int64_t id, InsertWithRandomId([&](long long& id) {
                     return soci::statement(
                         (tx.session().prepare << kInsertApiKey, soci::use(company_id, "company_id"),
                          soci::use(id, "api_key_id"), soci::use(key.display_name, "display_name"),
                          soci::use(role, "role"), soci::use(secret_sha256, "sha256"),
                          soci::use(key.secret_prefix, "prefix"), soci::use(micros, "now")));
                   }));
  return FindApiKey(tx, key.company_id, id);
}

absl::StatusOr<domain::ApiKey> FindApiKey(Transaction& tx, int64_t company_id, int64_t api_key_id, LockMode lock) {
  long long company = company_id, id = api_key_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns, " WHERE company_id = :company_id AND api_key_id = :api_key_id",
                               LockClause(lock)),
      soci::use(company, "company_id"), soci::use(id, "api_key_id"), soci::into(row);
  if (!tx.session().got_data()) return absl::NotFoundError(absl::StrCat("API key ", api_key_id, " not found"));
  return FromRow(row);
}

std::vector<domain::ApiKey> ListApiKeys(Transaction& tx, int64_t company_id) {
  long long company = company_id;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, " WHERE company_id = :company_id ORDER BY create_time, api_key_id"),
       soci::use(company, "company_id"));
  std::vector<domain::ApiKey> keys;
  for (const soci::row& row : rows) keys.push_back(FromRow(row));
  return keys;
}

absl::StatusOr<domain::ApiKey> RevokeApiKey(Transaction& tx, int64_t company_id, int64_t api_key_id, absl::Time now) {
  long long company = company_id, id = api_key_id, micros = ToMicros(now);
  // Revoking a revoked key keeps its first revoke time.
  tx.session() << kRevokeApiKey, soci::use(micros, "now"), soci::use(company, "company_id"),
      soci::use(id, "api_key_id");
  return FindApiKey(tx, company_id, api_key_id);
}

std::optional<domain::ApiKey> FindActiveApiKeyByHash(Transaction& tx, int64_t company_id,
                                                     const std::string& secret_sha256) {
  long long company = company_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns,
                               " WHERE company_id = :company_id AND secret_sha256 = :sha256 AND revoke_time IS NULL"),
      soci::use(company, "company_id"), soci::use(secret_sha256, "sha256"), soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return FromRow(row);
}

}  // namespace invoicehub::storage
