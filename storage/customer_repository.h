#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/domain/customer.h"
#include "storage/database.h"
#include "storage/list_cursor.h"
#include "storage/lock_mode.h"

namespace invoicehub::storage {

absl::StatusOr<domain::Customer> InsertCustomer(Transaction& tx, int64_t company_id, const domain::Customer& customer,
                                                absl::Time now);

// NOT_FOUND when the company has no such customer (also when another has).
absl::StatusOr<domain::Customer> FindCustomer(Transaction& tx, int64_t company_id, int64_t customer_id,
                                              LockMode lock = LockMode::kNone);

// Writes the editable fields and bumps the version.
absl::StatusOr<domain::Customer> UpdateCustomer(Transaction& tx, int64_t company_id, const domain::Customer& customer,
                                                absl::Time now);

struct CustomerFilter {
  std::string name_contains;  // case-insensitive substring; empty: any
  std::string email;          // case-insensitive exact; empty: any
};

// Up to `limit` customers created after `after`, in creation order.
std::vector<domain::Customer> ListCustomers(Transaction& tx, int64_t company_id, const CustomerFilter& filter,
                                            const ListCursor& after, int limit);

}  // namespace invoicehub::storage
