#pragma once
// BP-6: each company's bill-pay account. Its key and webhook secret are
// sealed with the master key when saved and opened only to call bill-pay or
// check a webhook; they are never logged or returned.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/app/secret_box.h"
#include "storage/database.h"

namespace invoicehub::app {

struct BillPayAccount {
  int64_t company_id = 0;
  std::string base_url;
  std::string api_key;
  std::string webhook_secret;
  std::string api_key_hint;  // last 4 characters of the key
  bool enabled = false;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

struct BillPayAccountInput {
  std::string base_url;        // http:// or https://, a host, no user info, query or fragment
  std::string api_key;         // required at creation; empty later keeps the stored one
  std::string webhook_secret;  // at least 16 characters at creation; empty later keeps it
  bool enabled = true;
  int64_t expected_version = 0;  // 0 at creation; then the version read (ABORTED when stale)
};

// For the API answer and the audit log: api_key and webhook_secret are left
// empty in both (the hint tells keys apart).
struct BillPayAccountChange {
  std::optional<BillPayAccount> before;  // nullopt: just created
  BillPayAccount after;
};

// Validates (INVALID_ARGUMENT listing every field as "base_url", "api_key",
// "webhook_secret"), checks the version, seals and saves.
absl::StatusOr<BillPayAccountChange> SetBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                       int64_t company_id, const BillPayAccountInput& input,
                                                       absl::Time now);

// The account with its secrets opened; NOT_FOUND when the company has none.
absl::StatusOr<BillPayAccount> LoadBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                  int64_t company_id);

}  // namespace invoicehub::app
