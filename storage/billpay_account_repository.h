#pragma once
// BP-6: the bill-pay account of each company, as stored: its secrets sealed
// (server/app/secret_box.h seals and opens them; storage never sees them).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct StoredBillPayAccount {
  int64_t company_id = 0;
  std::string base_url;
  std::string api_key_sealed;         // bytes
  std::string webhook_secret_sealed;  // bytes
  std::string api_key_hint;           // last 4 characters of the key
  bool enabled = false;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

// NOT_FOUND when the company has no bill-pay account.
absl::StatusOr<StoredBillPayAccount> FindBillPayAccount(Transaction& tx, int64_t company_id);

// Inserts (version 1) or replaces the company's account (version + 1);
// returns it as stored.
StoredBillPayAccount SaveBillPayAccount(Transaction& tx, const StoredBillPayAccount& account, absl::Time now);

// The companies whose account is enabled, for the workers.
std::vector<int64_t> ListCompaniesWithBillPay(Transaction& tx);

}  // namespace invoicehub::storage
