#pragma once
// Company and API key use cases: each composes domain rules and storage
// inside the caller's transaction.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "server/app/change.h"
#include "server/domain/api_key.h"
#include "server/domain/company.h"
#include "server/domain/update_mask.h"
#include "storage/database.h"

namespace invoicehub::app {

struct IssuedApiKey {
  domain::ApiKey key;
  std::string secret;  // shown once, never stored
};

struct CreatedCompany {
  domain::Company company;
  IssuedApiKey admin_key;
};

// Validates and stores a new company with its first ADMIN key.
absl::StatusOr<CreatedCompany> CreateCompany(storage::Transaction& tx, domain::Company company, absl::Time now);

// Applies `mask` fields of `patch` if `patch.version` is current.
absl::StatusOr<Change<domain::Company>> UpdateCompany(storage::Transaction& tx, int64_t company_id,
                                                      const domain::Company& patch, const domain::UpdateMask& mask,
                                                      absl::Time now);

absl::StatusOr<IssuedApiKey> IssueApiKey(storage::Transaction& tx, int64_t company_id, std::string display_name,
                                         domain::Role role, absl::Time now);

// Revoking twice is harmless: the key stays revoked from the first time.
absl::StatusOr<Change<domain::ApiKey>> RevokeApiKey(storage::Transaction& tx, int64_t company_id, int64_t api_key_id,
                                                    absl::Time now);

}  // namespace invoicehub::app
