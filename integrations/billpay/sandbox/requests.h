#pragma once
// The request bodies of docs/billpay-contract.md, read from JSON into typed
// structs. Every field problem is listed in one INVALID_ARGUMENT, so a
// caller fixes them all at once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace invoicehub::billpay::sandbox {

struct NewAccount {
  std::string name;
  std::string webhook_url;
};

struct NewCustomer {
  std::string external_id;
  std::string name;
  std::string email;
};

struct NewInvoice {
  std::string customer_id;
  std::string external_id;
  std::string number;
  std::string invoice_date;
  std::string due_date;
  std::string currency;
  int64_t amount = 0;
  int64_t outstanding = 0;
  std::string pdf_sha256;  // of the decoded pdf_base64; "" when none was sent
};

// PUT /v1/invoices/{id}: only the fields sent are set.
struct InvoiceChanges {
  std::optional<std::string> number;
  std::optional<std::string> invoice_date;
  std::optional<std::string> due_date;
  std::optional<int64_t> amount;
  std::optional<int64_t> outstanding;
  std::optional<std::string> pdf_sha256;
};

struct NewApiPayment {
  std::string customer_id;
  std::string invoice_id;
  std::string currency;
  std::string external_id;
  std::string method;  // "card" unless sent
  int64_t amount = 0;
};

struct PayItem {
  std::string pay_token;          // from the item's pay_now_url
  std::optional<int64_t> amount;  // the invoice's outstanding when absent
};

struct PayRequest {
  std::vector<PayItem> items;
  std::string method;  // "card" unless sent
};

struct ReverseRequest {
  std::string payment_id;
  std::string reason;  // "refund" or "chargeback"
};

absl::StatusOr<NewAccount> ParseNewAccount(std::string_view body);
// PUT /sandbox/accounts/{id}: the new webhook_url.
absl::StatusOr<std::string> ParseWebhookUrl(std::string_view body);
absl::StatusOr<NewCustomer> ParseNewCustomer(std::string_view body);
absl::StatusOr<NewInvoice> ParseNewInvoice(std::string_view body);
absl::StatusOr<InvoiceChanges> ParseInvoiceChanges(std::string_view body);
absl::StatusOr<NewApiPayment> ParseNewApiPayment(std::string_view body);
absl::StatusOr<PayRequest> ParsePayRequest(std::string_view body);
absl::StatusOr<ReverseRequest> ParseReverseRequest(std::string_view body);

// The token of a Pay Now URL ("<base>/pay/<token>"), or of a bare token;
// "" when there is none.
std::string PayTokenOf(std::string_view pay_now_url);

}  // namespace invoicehub::billpay::sandbox
