#include "server/app/billpay_gateways.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/app/billpay_accounts.h"
#include "server/domain/status_macros.h"
#include "storage/billpay_account_repository.h"

namespace invoicehub::app {
namespace {

absl::Status NoMasterKey() {
  return absl::FailedPreconditionError("bill-pay is off: the server has no master key to open account secrets");
}

// A disabled account is treated as none: nothing is sent, no webhook is
// accepted.
absl::Status CheckEnabled(int64_t company_id, bool enabled) {
  if (!enabled) return absl::NotFoundError(absl::StrCat("bill-pay is disabled for company ", company_id));
  return absl::OkStatus();
}

}  // namespace

BillPayGateways::BillPayGateways(storage::Database& database, std::optional<SecretBox> box, Factory factory)
    : database_(database), box_(std::move(box)), factory_(std::move(factory)) {}

absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> BillPayGateways::ForCompany(int64_t company_id) {
  if (!box_) return NoMasterKey();
  // Each call reads the account's version (one primary-key row), so a saved
  // account change is used from the next call on, on every replica.
  std::shared_ptr<billpay::BillPayGateway> cached;
  std::optional<BillPayAccount> opened;
  RETURN_IF_ERROR(database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(storage::StoredBillPayAccount stored, storage::FindBillPayAccount(tx, company_id));
    if (!stored.enabled) {
      std::lock_guard<std::mutex> lock(mutex_);
      cache_.erase(company_id);  // let its connections go
      return CheckEnabled(company_id, stored.enabled);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = cache_.find(company_id); it != cache_.end() && it->second.version == stored.version) {
        cached = it->second.gateway;
        return absl::OkStatus();
      }
    }
    ASSIGN_OR_RETURN(opened, OpenBillPayAccount(*box_, stored));
    return absl::OkStatus();
  }));
  if (cached) return cached;

  // Made outside the lock: a slow constructor holds up no other company.
  std::shared_ptr<billpay::BillPayGateway> made =
      factory_(billpay::AccountConfig{.base_url = opened->base_url, .api_key = opened->api_key});
  if (!made)
    return absl::FailedPreconditionError(
        absl::StrCat("no bill-pay gateway serves the account of company ", company_id));
  std::lock_guard<std::mutex> lock(mutex_);
  Cached& entry = cache_[company_id];
  // Two first calls may race: keep whichever serves the newer version.
  if (entry.gateway && entry.version >= opened->version) return entry.gateway;
  entry = Cached{opened->version, std::move(made)};
  return entry.gateway;
}

absl::StatusOr<std::string> BillPayGateways::WebhookSecret(int64_t company_id) {
  if (!box_) return NoMasterKey();
  std::string secret;
  RETURN_IF_ERROR(database_.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(storage::StoredBillPayAccount stored, storage::FindBillPayAccount(tx, company_id));
    RETURN_IF_ERROR(CheckEnabled(company_id, stored.enabled));
    ASSIGN_OR_RETURN(BillPayAccount account, OpenBillPayAccount(*box_, stored));
    secret = std::move(account.webhook_secret);
    return absl::OkStatus();
  }));
  return secret;
}

}  // namespace invoicehub::app
