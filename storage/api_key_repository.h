#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/domain/api_key.h"
#include "storage/database.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

// Stores a new key with the SHA-256 (hex) of its secret.
absl::StatusOr<domain::ApiKey> InsertApiKey(Transaction& tx, const domain::ApiKey& key,
                                            const std::string& secret_sha256, absl::Time now);

absl::StatusOr<domain::ApiKey> FindApiKey(Transaction& tx, int64_t company_id, int64_t api_key_id,
                                          LockMode lock = LockMode::kNone);

std::vector<domain::ApiKey> ListApiKeys(Transaction& tx, int64_t company_id);

absl::StatusOr<domain::ApiKey> RevokeApiKey(Transaction& tx, int64_t company_id, int64_t api_key_id, absl::Time now);

// The active key of `company_id` whose secret hashes to `secret_sha256`.
std::optional<domain::ApiKey> FindActiveApiKeyByHash(Transaction& tx, int64_t company_id,
                                                     const std::string& secret_sha256);

}  // namespace invoicehub::storage
