#include "integrations/billpay/sandbox/sandbox_state.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "integrations/billpay/sandbox/ids.h"

namespace invoicehub::billpay::sandbox {
namespace {

constexpr int kStateFileVersion = 1;

absl::Status AlreadyExists(std::string_view what, const std::string& existing_id) {
  absl::Status status =
      absl::AlreadyExistsError(absl::StrCat("a live ", std::string(what), " with this external_id exists"));
  status.SetPayload(kExistingIdPayload, absl::Cord(existing_id));
  return status;
}

absl::Status NotFound(std::string_view what, std::string_view id) {
  return absl::NotFoundError(absl::StrCat("no ", std::string(what), " ", std::string(id), " in this account"));
}

}  // namespace

// --- accounts

AccountBook& SandboxState::CreateAccount(const NewAccount& account, int64_t now) {
  std::string id;
  do {
    id = RandomId("acct_");
  } while (books_.contains(id));
  AccountBook& book = books_[id];
  book.account = Account{.id = id,
                         .name = account.name,
                         .api_key = RandomId("sk_test_", 24),
                         .webhook_secret = RandomId("whsec_", 24),
                         .webhook_url = account.webhook_url,
                         .created = now};
  return book;
}

bool SandboxState::AddAccount(const Account& account) {
  if (books_.contains(account.id)) return false;
  books_[account.id].account = account;
  return true;
}

const AccountBook* SandboxState::FindBook(std::string_view account_id) const {
  auto it = books_.find(std::string(account_id));
  return it == books_.end() ? nullptr : &it->second;
}

AccountBook* SandboxState::FindBook(std::string_view account_id) {
  return const_cast<AccountBook*>(std::as_const(*this).FindBook(account_id));
}

const AccountBook* SandboxState::FindBookByApiKey(std::string_view api_key) const {
  if (api_key.empty()) return nullptr;
  for (const auto& [id, book] : books_) {
    const std::string& key = book.account.api_key;
    if (key.size() == api_key.size() && CRYPTO_memcmp(key.data(), api_key.data(), key.size()) == 0) return &book;
  }
  return nullptr;
}

AccountBook* SandboxState::FindBookByApiKey(std::string_view api_key) {
  return const_cast<AccountBook*>(std::as_const(*this).FindBookByApiKey(api_key));
}

absl::StatusOr<Account> SandboxState::SetWebhookUrl(std::string_view account_id, const std::string& url) {
  AccountBook* book = FindBook(account_id);
  if (book == nullptr) return absl::NotFoundError(absl::StrCat("no account ", std::string(account_id)));
  book->account.webhook_url = url;
  return book->account;
}

// --- customers

absl::StatusOr<Customer> SandboxState::CreateCustomer(AccountBook& book, const NewCustomer& customer, int64_t now) {
  for (const Customer& existing : book.customers)
    if (existing.external_id == customer.external_id) return AlreadyExists("customer", existing.id);
  book.customers.push_back(Customer{.id = RandomId("cus_"),
                                    .external_id = customer.external_id,
                                    .name = customer.name,
                                    .email = customer.email,
                                    .created = now});
  return book.customers.back();
}

absl::StatusOr<Customer> SandboxState::GetCustomer(const AccountBook& book, std::string_view id) const {
  for (const Customer& customer : book.customers)
    if (customer.id == id) return customer;
  return NotFound("customer", id);
}

std::vector<Customer> SandboxState::FindCustomers(const AccountBook& book, std::string_view external_id) const {
  std::vector<Customer> found;
  for (const Customer& customer : book.customers)
    if (external_id.empty() || customer.external_id == external_id) found.push_back(customer);
  return found;
}

// --- invoices

Invoice* SandboxState::FindInvoice(AccountBook& book, std::string_view id) {
  for (Invoice& invoice : book.invoices)
    if (invoice.id == id) return &invoice;
  return nullptr;
}

absl::StatusOr<Invoice> SandboxState::CreateInvoice(AccountBook& book, const NewInvoice& invoice, int64_t now) {
  if (!GetCustomer(book, invoice.customer_id).ok()) return NotFound("customer", invoice.customer_id);
  for (const Invoice& existing : book.invoices)
    if (!existing.deleted && existing.external_id == invoice.external_id) return AlreadyExists("invoice", existing.id);
  std::string token;
  do {
    token = RandomId("", 16);
  } while (pay_tokens_.contains(token));
  Invoice created{.id = RandomId("inv_"),
                  .customer_id = invoice.customer_id,
                  .external_id = invoice.external_id,
                  .number = invoice.number,
                  .invoice_date = invoice.invoice_date,
                  .due_date = invoice.due_date,
                  .currency = invoice.currency,
                  .amount = invoice.amount,
                  .outstanding = invoice.outstanding,
                  .deleted = false,
                  .pay_now_url = absl::StrCat(public_base_url_, "/pay/", token),
                  .pay_token = token,
                  .pdf_sha256 = invoice.pdf_sha256,
                  .created = now,
                  .updated = now};
  pay_tokens_[token] = TokenOwner{book.account.id, created.id};
  book.invoices.push_back(std::move(created));
  return book.invoices.back();
}

absl::StatusOr<Invoice> SandboxState::UpdateInvoice(AccountBook& book, std::string_view id,
                                                    const InvoiceChanges& changes, int64_t now) {
  Invoice* invoice = FindInvoice(book, id);
  if (invoice == nullptr || invoice->deleted) return NotFound("live invoice", id);
  int64_t amount = changes.amount.value_or(invoice->amount);
  int64_t outstanding = changes.outstanding.value_or(invoice->outstanding);
  if (outstanding > amount)
    return absl::InvalidArgumentError(absl::StrCat("outstanding: ", outstanding, " must not exceed amount ", amount));
  if (changes.number) invoice->number = *changes.number;
  if (changes.invoice_date) invoice->invoice_date = *changes.invoice_date;
  if (changes.due_date) invoice->due_date = *changes.due_date;
  if (changes.pdf_sha256) invoice->pdf_sha256 = *changes.pdf_sha256;
  invoice->amount = amount;
  invoice->outstanding = outstanding;
  invoice->updated = now;
  return *invoice;
}

absl::StatusOr<Invoice> SandboxState::DeleteInvoice(AccountBook& book, std::string_view id, int64_t now) {
  Invoice* invoice = FindInvoice(book, id);
  if (invoice == nullptr || invoice->deleted) return NotFound("live invoice", id);
  // The token stays reserved (never handed out again); the page checks
  // `deleted` and answers 404.
  invoice->deleted = true;
  invoice->updated = now;
  return *invoice;
}

absl::StatusOr<Invoice> SandboxState::GetInvoice(const AccountBook& book, std::string_view id) const {
  for (const Invoice& invoice : book.invoices)
    if (invoice.id == id) return invoice;
  return NotFound("invoice", id);
}

std::vector<Invoice> SandboxState::FindLiveInvoices(const AccountBook& book, std::string_view external_id) const {
  std::vector<Invoice> found;
  for (const Invoice& invoice : book.invoices)
    if (!invoice.deleted && (external_id.empty() || invoice.external_id == external_id)) found.push_back(invoice);
  return found;
}

const Invoice* SandboxState::FindByPayToken(std::string_view token) const {
  auto owner = pay_tokens_.find(token);
  if (owner == pay_tokens_.end()) return nullptr;
  auto book = books_.find(owner->second.account_id);
  if (book == books_.end()) return nullptr;
  for (const Invoice& invoice : book->second.invoices)
    if (invoice.id == owner->second.invoice_id) return &invoice;
  return nullptr;
}

// --- the state file

Json SandboxState::ToJson() const {
  Json accounts = Json::array();
  for (const auto& [id, book] : books_) accounts.push_back(BookToJson(book));
  return {{"version", kStateFileVersion}, {"accounts", std::move(accounts)}};
}

absl::StatusOr<SandboxState> SandboxState::FromJson(const Json& json) {
  SandboxState state;
  try {
    if (json.value("version", 0) != kStateFileVersion)
      return absl::InvalidArgumentError(absl::StrCat("unknown state file version (expected ", kStateFileVersion, ")"));
    for (const Json& entry : json.at("accounts")) {
      AccountBook book = BookFromJson(entry);
      if (book.account.id.empty()) return absl::InvalidArgumentError("an account without id");
      std::string id = book.account.id;
      for (const Invoice& invoice : book.invoices) state.pay_tokens_[invoice.pay_token] = TokenOwner{id, invoice.id};
      state.books_[id] = std::move(book);
    }
  } catch (const Json::exception& error) {
    return absl::InvalidArgumentError(absl::StrCat("malformed state: ", error.what()));
  }
  return state;
}

Json SandboxState::Describe() const {
  Json accounts = Json::array();
  for (const auto& [id, book] : books_) {
    Json customers = Json::array();
    for (const Customer& customer : book.customers) customers.push_back(CustomerView(customer));
    Json invoices = Json::array();
    for (const Invoice& invoice : book.invoices) invoices.push_back(InvoiceView(invoice));
    Json payments = Json::array();
    for (const Payment& payment : book.payments) payments.push_back(PaymentView(payment));
    Json deliveries = Json::array();
    for (const Delivery& delivery : book.deliveries)
      deliveries.push_back({{"event_id", delivery.event_id},
                            {"type", delivery.type},
                            {"attempt", delivery.attempt},
                            {"http_status", delivery.http_status},
                            {"error", delivery.error},
                            {"outcome", delivery.outcome},
                            {"at", delivery.at}});
    Json pending = Json::array();
    for (const PendingWebhook& webhook : book.pending_webhooks)
      pending.push_back({{"event_id", webhook.event_id},
                         {"type", webhook.type},
                         {"attempts", webhook.attempts},
                         {"due_ms", webhook.due_ms}});
    accounts.push_back({{"account_id", id},
                        {"name", book.account.name},
                        {"webhook_url", book.account.webhook_url},
                        {"created", book.account.created},
                        {"last_sequence", book.last_sequence},
                        {"customers", std::move(customers)},
                        {"invoices", std::move(invoices)},
                        {"payments", std::move(payments)},
                        {"deliveries", std::move(deliveries)},
                        {"pending_webhooks", std::move(pending)}});
  }
  return {{"accounts", std::move(accounts)}};
}

}  // namespace invoicehub::billpay::sandbox
