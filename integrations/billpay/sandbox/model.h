#pragma once
// The sandbox's records, as they are kept in memory and in the state file,
// and the JSON views of docs/billpay-contract.md that the API answers with.
// Money is int64 minor units; times are Unix seconds unless named *_ms.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace invoicehub::billpay::sandbox {

using Json = nlohmann::json;

struct Account {
  std::string id;  // "acct_..."
  std::string name;
  std::string api_key;
  std::string webhook_secret;
  std::string webhook_url;  // "" until set: events then wait and fail like an unreachable receiver
  int64_t created = 0;
};

struct Customer {
  std::string id;  // "cus_..."
  std::string external_id;
  std::string name;
  std::string email;
  int64_t created = 0;
};

struct Invoice {
  std::string id;  // "inv_..."
  std::string customer_id;
  std::string external_id;
  std::string number;
  std::string invoice_date;  // YYYY-MM-DD
  std::string due_date;      // YYYY-MM-DD
  std::string currency;
  int64_t amount = 0;
  int64_t outstanding = 0;
  bool deleted = false;
  // Kept whole, not rebuilt from the current public base: the contract says
  // the URL never changes, even when the sandbox restarts on another port.
  std::string pay_now_url;
  std::string pay_token;   // the last path segment of pay_now_url
  std::string pdf_sha256;  // of the last PDF sent ("" if none); the bytes are not kept
  int64_t created = 0;
  int64_t updated = 0;
};

enum class PaymentStatus { kSucceeded, kReversed, kDeleted };
enum class PaymentOrigin { kPayer, kApi };

struct Allocation {
  std::string invoice_id;
  int64_t amount = 0;
  // How much this allocation lowered the invoice's outstanding (less than
  // `amount` when the outstanding was smaller); a reversal gives back this.
  int64_t lowered = 0;
};

struct Payment {
  std::string id;  // "pay_..."
  std::string customer_id;
  std::string currency;
  int64_t amount = 0;
  PaymentStatus status = PaymentStatus::kSucceeded;
  std::string method = "card";
  PaymentOrigin origin = PaymentOrigin::kPayer;
  std::string external_id;
  std::vector<Allocation> allocations;
  std::string reversal_reason;  // "", "refund", "chargeback"
  int64_t created = 0;
  int64_t sequence = 0;  // the account's change counter at its last change
};

// The first completed answer to an Idempotency-Key.
struct StoredAnswer {
  std::string method;
  std::string path;
  int status = 0;
  std::string body;
  int64_t created = 0;
};

// One delivery attempt of a webhook, for GET /sandbox/state.
struct Delivery {
  std::string event_id;
  std::string type;
  int attempt = 0;
  int http_status = 0;  // 0 when no answer came
  std::string error;    // why it failed, "" when delivered
  std::string outcome;  // "delivered", "retrying", "gave_up"
  int64_t at = 0;
};

// A webhook copy waiting for (another) delivery attempt. An injected
// duplicate is a second copy with the same event id.
struct PendingWebhook {
  std::string id;  // of this copy ("whq_..."); event_id may repeat
  std::string event_id;
  std::string type;
  std::string body;  // signed and sent byte for byte on every attempt
  int attempts = 0;
  int64_t due_ms = 0;  // Unix milliseconds of the next attempt
};

// Everything one account owns; one account never reaches another's book.
struct AccountBook {
  Account account;
  int64_t last_sequence = 0;
  std::vector<Customer> customers;
  std::vector<Invoice> invoices;  // deleted ones included
  std::vector<Payment> payments;
  std::map<std::string, StoredAnswer> answers;  // by Idempotency-Key
  std::vector<Delivery> deliveries;
  std::vector<PendingWebhook> pending_webhooks;
};

// The contract's views (what /v1 answers with).
Json CustomerView(const Customer& customer);
Json InvoiceView(const Invoice& invoice);
Json PaymentView(const Payment& payment);
const char* InvoiceStatusName(const Invoice& invoice);  // "open", "paid", "deleted"
const char* PaymentStatusName(PaymentStatus status);

// The state file's form of a book (secrets included) and back.
Json BookToJson(const AccountBook& book);
AccountBook BookFromJson(const Json& json);  // throws nlohmann::json::exception when malformed

}  // namespace invoicehub::billpay::sandbox
