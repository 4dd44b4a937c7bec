#include "server/app/billpay_accounts.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "server/domain/field_errors.h"
#include "server/domain/status_macros.h"
#include "server/domain/update_mask.h"
#include "storage/billpay_account_repository.h"
#include "storage/billpay_import_cursor.h"
#include "storage/billpay_links.h"
#include "storage/company_repository.h"

namespace invoicehub::app {
namespace {

constexpr size_t kMaxUrlChars = 2000;
constexpr size_t kMaxSecretChars = 500;
// A key shorter than this would be mostly given away by its 4-character hint.
constexpr size_t kMinApiKeyChars = 12;
constexpr size_t kMinWebhookSecretChars = 16;
constexpr size_t kHintChars = 4;

// The AAD of each sealed field: a value copied to another company's row, or
// from one field to the other, does not open (BP-6).
std::string ApiKeyContext(int64_t company_id) { return absl::StrCat("company ", company_id, " api_key"); }
std::string WebhookSecretContext(int64_t company_id) {
  return absl::StrCat("company ", company_id, " webhook_secret");
}

bool AllVisibleAscii(absl::string_view text) {
  for (char c : text)
    if (c <= ' ' || c > '~') return false;
  return true;
}

// The hosts a plain http:// base URL may name: this machine (the local
// sandbox), where the key never crosses a network.
bool IsLoopbackHost(absl::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" || absl::EqualsIgnoreCase(host, "localhost");
}

// http(s)://host[:port][/path]: the adapter appends "/v1/..." to it, so user
// info (a secret in a URL), a query or a fragment would be wrong or leak.
void CheckBaseUrl(domain::FieldErrors& errors, absl::string_view url) {
  constexpr char kField[] = "base_url";
  if (url.empty()) return errors.Add(kField, "is required");
  if (url.size() > kMaxUrlChars) return errors.Add(kField, absl::StrCat("is longer than ", kMaxUrlChars, " characters"));
  if (!AllVisibleAscii(url)) return errors.Add(kField, "must be ASCII without spaces or control characters");
  absl::string_view rest = url;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  if (!https && !absl::ConsumePrefix(&rest, "http://"))
    return errors.Add(kField, "must start with http:// or https://");
  if (absl::StrContains(rest, '?') || absl::StrContains(rest, '#'))
    return errors.Add(kField, "must have no query or fragment");
  absl::string_view authority = rest.substr(0, rest.find('/'));
  if (absl::StrContains(authority, '@')) return errors.Add(kField, "must have no user name or password");
  absl::string_view host = authority;
  if (size_t colon = authority.rfind(':'); colon != absl::string_view::npos && !absl::EndsWith(authority, "]")) {
    host = authority.substr(0, colon);
    int port = 0;
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port < 1 || port > 65535)
      return errors.Add(kField, "has an invalid port");
  }
  if (host.empty() || host == "[]") return errors.Add(kField, "must name a host");
  // Every call carries the API key in its Authorization header.
  if (!https && !IsLoopbackHost(host))
    errors.Add(kField,
               "must start with https:// (http:// is allowed only for 127.0.0.1, [::1] or localhost): the API key "
               "must not travel in clear text");
}

// One form for "https://x" and "https://x/": the adapter appends "/v1/...".
std::string NormalizedBaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// BP-6: the company's bill-pay links (customers, and through them invoice
// records and payments) and its import cursor were made in the account it
// has; another account knows none of them, and its payment feed does not
// start where the stored cursor says. So the account cannot be moved.
absl::Status CheckAccountMayMove(storage::Transaction& tx, int64_t company_id,
                                 const storage::StoredBillPayAccount& current, const std::string& base_url) {
  if (base_url == current.base_url) return absl::OkStatus();
  const bool linked = storage::HasBillPayCustomers(tx, company_id);
  const bool imported = !storage::FindImportCursor(tx, company_id).value_or("").empty();
  if (!linked && !imported) return absl::OkStatus();
  return domain::RuleViolation(
      "BP-6", absl::StrCat("base_url cannot change from ", current.base_url, ": the company's records are linked to ",
                           "its current bill-pay account (its customers, invoice records, payments and the payment "
                           "import cursor belong to that account), and moving to another bill-pay account is not "
                           "supported. The API key, the webhook secret and enabled can still be changed."));
}

// `required`: at creation. Later an empty value keeps the stored one.
void CheckSecret(domain::FieldErrors& errors, const std::string& field, absl::string_view value, bool required,
                 size_t min_chars) {
  if (value.empty()) {
    if (required) errors.Add(field, "is required");
    return;
  }
  // Never quote the value: it is a secret.
  if (!AllVisibleAscii(value)) return errors.Add(field, "must be ASCII without spaces or control characters");
  if (value.size() < min_chars) errors.Add(field, absl::StrCat("must be at least ", min_chars, " characters"));
  if (value.size() > kMaxSecretChars) errors.Add(field, absl::StrCat("must be at most ", kMaxSecretChars, " characters"));
}

// ABORTED unless `expected` is the version of the account as stored (0: none yet).
absl::Status CheckAccountVersion(const std::optional<storage::StoredBillPayAccount>& current, int64_t expected) {
  if (current) {
    if (expected == 0)
      return absl::AbortedError(absl::StrCat("version 0 is stale: the company already has a bill-pay account at version ",
                                             current->version, "; read it and retry"));
    return domain::CheckVersion("version", current->version, expected);
  }
  if (expected != 0)
    return absl::AbortedError(absl::StrCat("version ", expected,
                                           " is stale: the company has no bill-pay account; send version 0 to create it"));
  return absl::OkStatus();
}

// The account without its secrets (the hint tells keys apart).
BillPayAccount WithoutSecrets(const storage::StoredBillPayAccount& stored) {
  BillPayAccount account;
  account.company_id = stored.company_id;
  account.base_url = stored.base_url;
  account.api_key_hint = stored.api_key_hint;
  account.enabled = stored.enabled;
  account.version = stored.version;
  account.create_time = stored.create_time;
  account.update_time = stored.update_time;
  return account;
}

}  // namespace

absl::StatusOr<BillPayAccountChange> SetBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                       int64_t company_id, const BillPayAccountInput& input,
                                                       absl::Time now) {
  // The company row lock orders concurrent saves, including two first ones
  // (no account row to lock yet), so a stale version is always seen.
  RETURN_IF_ERROR(storage::FindCompany(tx, company_id, storage::LockMode::kForNoKeyUpdate).status());
  std::optional<storage::StoredBillPayAccount> current;
  if (absl::StatusOr<storage::StoredBillPayAccount> found = storage::FindBillPayAccount(tx, company_id); found.ok())
    current = std::move(*found);
  else if (!absl::IsNotFound(found.status()))
    return found.status();

  const bool creating = !current.has_value();
  domain::FieldErrors errors;
  CheckBaseUrl(errors, input.base_url);
  CheckSecret(errors, "api_key", input.api_key, creating, kMinApiKeyChars);
  CheckSecret(errors, "webhook_secret", input.webhook_secret, creating, kMinWebhookSecretChars);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(CheckAccountVersion(current, input.expected_version));
  const std::string base_url = NormalizedBaseUrl(input.base_url);  // valid: the host is left whole
  if (current) RETURN_IF_ERROR(CheckAccountMayMove(tx, company_id, *current, base_url));

  storage::StoredBillPayAccount next;
  if (current) next = *current;
  next.company_id = company_id;
  next.base_url = base_url;
  next.enabled = input.enabled;
  // A kept secret keeps its sealed bytes: they need not (and, after a master
  // key change, might not) open to be kept.
  if (!input.api_key.empty()) {
    next.api_key_sealed = box.Seal(input.api_key, ApiKeyContext(company_id));
    next.api_key_hint = input.api_key.substr(input.api_key.size() - kHintChars);
  }
  if (!input.webhook_secret.empty())
    next.webhook_secret_sealed = box.Seal(input.webhook_secret, WebhookSecretContext(company_id));
  storage::StoredBillPayAccount saved = storage::SaveBillPayAccount(tx, next, now);

  BillPayAccountChange change;
  if (current) change.before = WithoutSecrets(*current);
  change.after = WithoutSecrets(saved);
  return change;
}

absl::StatusOr<BillPayAccount> DescribeBillPayAccount(storage::Transaction& tx, int64_t company_id) {
  ASSIGN_OR_RETURN(storage::StoredBillPayAccount stored, storage::FindBillPayAccount(tx, company_id));
  return WithoutSecrets(stored);
}

absl::StatusOr<BillPayAccount> LoadBillPayAccount(storage::Transaction& tx, const SecretBox& box,
                                                  int64_t company_id) {
  ASSIGN_OR_RETURN(storage::StoredBillPayAccount stored, storage::FindBillPayAccount(tx, company_id));
  return OpenBillPayAccount(box, stored);
}

absl::StatusOr<BillPayAccount> OpenBillPayAccount(const SecretBox& box, const storage::StoredBillPayAccount& stored) {
  BillPayAccount account = WithoutSecrets(stored);
  ASSIGN_OR_RETURN(account.api_key, box.Open(stored.api_key_sealed, ApiKeyContext(stored.company_id)));
  ASSIGN_OR_RETURN(account.webhook_secret,
                   box.Open(stored.webhook_secret_sealed, WebhookSecretContext(stored.company_id)));
  return account;
}

}  // namespace invoicehub::app
