#pragma once
// The gateway of each company's bill-pay account (BP-6), made on first use
// and kept while the account's version stays the same, so its connections
// are reused.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/statusor.h"
#include "integrations/billpay/billpay_gateway.h"
#include "server/app/secret_box.h"
#include "storage/database.h"

namespace invoicehub::app {

class BillPayGateways {
 public:
  using Factory = std::function<std::unique_ptr<billpay::BillPayGateway>(const billpay::AccountConfig&)>;

  // `box` is nullopt when the server has no master key: then no company
  // has bill-pay.
  BillPayGateways(storage::Database& database, std::optional<SecretBox> box, Factory factory);

  // NOT_FOUND when the company has no enabled account; FAILED_PRECONDITION
  // when the server has no master key or the secrets do not open.
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> ForCompany(int64_t company_id);

  // The company's webhook secret, for checking a delivery (same errors).
  absl::StatusOr<std::string> WebhookSecret(int64_t company_id);

  const std::optional<SecretBox>& box() const { return box_; }
  storage::Database& database() { return database_; }

 private:
  struct Cached {
    int64_t version = 0;
    std::shared_ptr<billpay::BillPayGateway> gateway;
  };
  storage::Database& database_;
  std::optional<SecretBox> box_;
  Factory factory_;
  std::mutex mutex_;
  std::map<int64_t, Cached> cache_;
};

}  // namespace invoicehub::app
