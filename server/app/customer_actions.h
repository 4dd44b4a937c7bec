#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "server/app/change.h"
#include "server/domain/customer.h"
#include "server/domain/update_mask.h"
#include "storage/database.h"

namespace invoicehub::app {

// Validates and stores a customer; an empty currency takes the company's.
absl::StatusOr<domain::Customer> CreateCustomer(storage::Transaction& tx, int64_t company_id,
                                                domain::Customer customer, absl::Time now);

// Applies `mask` fields of `patch` (which names the customer by id) if
// `patch.version` is current.
absl::StatusOr<Change<domain::Customer>> UpdateCustomer(storage::Transaction& tx, int64_t company_id,
                                                        const domain::Customer& patch, const domain::UpdateMask& mask,
                                                        absl::Time now);

}  // namespace invoicehub::app
