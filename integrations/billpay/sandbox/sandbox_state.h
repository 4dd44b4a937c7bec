#pragma once
// Every account's book and the rules of docs/billpay-contract.md that act
// on them: customers, invoices, payments, the payments change feed, and the
// simulated payer (pay, reverse). Not thread-safe: StateStore holds the lock.
//
// Account isolation is by construction: /v1 operations receive one
// AccountBook and can reach nothing else, so another account's object is
// simply not found.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "integrations/billpay/sandbox/model.h"
#include "integrations/billpay/sandbox/requests.h"

namespace invoicehub::billpay::sandbox {

// The 409 already_exists answer names the live object in this payload.
inline constexpr char kExistingIdPayload[] = "existing_id";

struct PaymentPage {
  std::vector<Payment> payments;  // oldest change first
  int64_t next_cursor = 0;
  bool has_more = false;
};

// A payment made or reversed by the payer, with the account it belongs to
// (for its webhook).
struct PayerChange {
  std::string account_id;
  Payment payment;
};

class SandboxState {
 public:
  // Pay Now URLs of new invoices are "<public_base_url>/pay/<token>".
  void set_public_base_url(std::string url) { public_base_url_ = std::move(url); }

  // --- accounts
  AccountBook& CreateAccount(const NewAccount& account, int64_t now);
  // Adds an account with fixed credentials; false (and nothing changed)
  // when its id exists already.
  bool AddAccount(const Account& account);
  AccountBook* FindBook(std::string_view account_id);
  const AccountBook* FindBook(std::string_view account_id) const;
  // Compared in constant time; nullptr for an unknown or empty key.
  AccountBook* FindBookByApiKey(std::string_view api_key);
  const AccountBook* FindBookByApiKey(std::string_view api_key) const;
  absl::StatusOr<Account> SetWebhookUrl(std::string_view account_id, const std::string& url);
  std::map<std::string, AccountBook>& books() { return books_; }
  const std::map<std::string, AccountBook>& books() const { return books_; }

  // --- customers
  absl::StatusOr<Customer> CreateCustomer(AccountBook& book, const NewCustomer& customer, int64_t now);
  absl::StatusOr<Customer> GetCustomer(const AccountBook& book, std::string_view id) const;
  // All of them when `external_id` is empty.
  std::vector<Customer> FindCustomers(const AccountBook& book, std::string_view external_id) const;

  // --- invoices
  absl::StatusOr<Invoice> CreateInvoice(AccountBook& book, const NewInvoice& invoice, int64_t now);
  absl::StatusOr<Invoice> UpdateInvoice(AccountBook& book, std::string_view id, const InvoiceChanges& changes,
                                        int64_t now);
  absl::StatusOr<Invoice> DeleteInvoice(AccountBook& book, std::string_view id, int64_t now);
  // Deleted ones included.
  absl::StatusOr<Invoice> GetInvoice(const AccountBook& book, std::string_view id) const;
  // Live ones only; all of them when `external_id` is empty.
  std::vector<Invoice> FindLiveInvoices(const AccountBook& book, std::string_view external_id) const;
  // The invoice behind a Pay Now token, live or deleted; nullptr if none.
  const Invoice* FindByPayToken(std::string_view token) const;

  // --- payments (payments.cc)
  absl::StatusOr<Payment> CreateApiPayment(AccountBook& book, const NewApiPayment& request, int64_t now);
  absl::StatusOr<Payment> DeletePayment(AccountBook& book, std::string_view id);
  absl::StatusOr<Payment> GetPayment(const AccountBook& book, std::string_view id) const;
  PaymentPage ListChangedPayments(const AccountBook& book, int64_t after, int limit) const;
  absl::StatusOr<PayerChange> Pay(const PayRequest& request, int64_t now);
  absl::StatusOr<PayerChange> Reverse(const ReverseRequest& request, int64_t now);

  // The state file's JSON (secrets included) and back.
  Json ToJson() const;
  static absl::StatusOr<SandboxState> FromJson(const Json& json);
  // GET /sandbox/state: like ToJson, without API keys, secrets and stored
  // idempotent answers.
  Json Describe() const;

 private:
  struct TokenOwner {
    std::string account_id;
    std::string invoice_id;
  };

  Invoice* FindInvoice(AccountBook& book, std::string_view id);
  Payment* FindPayment(AccountBook& book, std::string_view id);
  // Gives the payment the account's next change number, so the feed lists it.
  static void MarkChanged(AccountBook& book, Payment& payment);

  std::string public_base_url_;
  std::map<std::string, AccountBook> books_;  // by account id
  std::map<std::string, TokenOwner, std::less<>> pay_tokens_;
};

}  // namespace invoicehub::billpay::sandbox
