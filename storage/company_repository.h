#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "server/domain/company.h"
#include "storage/database.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

// Inserts a new company (version 1) with a random id; returns it.
absl::StatusOr<domain::Company> InsertCompany(Transaction& tx, const domain::Company& company, absl::Time now);

// NOT_FOUND when there is no such company.
absl::StatusOr<domain::Company> FindCompany(Transaction& tx, int64_t company_id, LockMode lock = LockMode::kNone);

// Writes the editable fields of `company` and bumps its version.
absl::StatusOr<domain::Company> UpdateCompany(Transaction& tx, const domain::Company& company, absl::Time now);

}  // namespace invoicehub::storage
