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
#include "storage/billpay_account_repository.h"
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
  // https://host[:port][/path] (http:// only for 127.0.0.1, [::1] or
  // localhost), no user info, query or fragment.
  std::string base_url;
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
// "webhook_secret"), checks the version, seals and saves. BP-6: once the
// company has bill-pay links (or an import cursor), base_url cannot change
// (FAILED_PRECONDITION): they belong to the account that made them.
absl::StatusOr<BillPayAccountChange> SetBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                       int64_t company_id, const BillPayAccountInput& input,
                                                       absl::Time now);

// The account without its secrets (api_key and webhook_secret empty; the
// hint tells keys apart), for showing it: nothing is opened, so it answers
// even when the secrets no longer open. NOT_FOUND when the company has none.
absl::StatusOr<BillPayAccount> DescribeBillPayAccount(storage::Transaction& tx, int64_t company_id);

// The stored account with its secrets opened (FAILED_PRECONDITION when they
// do not open), for a caller that has just read the row.
absl::StatusOr<BillPayAccount> OpenBillPayAccount(const SecretBox& box, const storage::StoredBillPayAccount& stored);

// The account with its secrets opened, only to call bill-pay or check a
// webhook; NOT_FOUND when the company has none.
absl::StatusOr<BillPayAccount> LoadBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                  int64_t company_id);

}  // namespace invoicehub::app
