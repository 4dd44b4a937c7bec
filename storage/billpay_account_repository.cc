#include "storage/billpay_account_repository.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

// Sealed bytes travel hex-encoded: SOCI binds text, and hex is bytea's own format.
#define INVOICEHUB_BILLPAY_ACCOUNT_COLUMNS                                                               \
  "company_id, base_url, encode(api_key_sealed, 'hex'), encode(webhook_secret_sealed, 'hex'), api_key_hint," \
  " enabled::int, version, " INVOICEHUB_MICROS("create_time") ", " INVOICEHUB_MICROS("update_time")

constexpr char kSelectAccount[] =
    "SELECT " INVOICEHUB_BILLPAY_ACCOUNT_COLUMNS " FROM billpay_accounts WHERE company_id = :company_id";

// One statement for both cases, so two concurrent first saves cannot both
// insert: the second becomes a replace (version 2) instead of a unique
// violation. A replace keeps the creation time.
constexpr char kUpsertAccount[] =
    "INSERT INTO billpay_accounts AS a (company_id, base_url, api_key_sealed, webhook_secret_sealed, api_key_hint,"
    " enabled, version, create_time, update_time)"
    " VALUES (:company_id, :base_url, decode(:api_key_hex, 'hex'), decode(:webhook_secret_hex, 'hex'), :hint,"
    " (:enabled = 1), 1, " INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ")"
    " ON CONFLICT (company_id) DO UPDATE SET base_url = EXCLUDED.base_url, api_key_sealed = EXCLUDED.api_key_sealed,"
    " webhook_secret_sealed = EXCLUDED.webhook_secret_sealed, api_key_hint = EXCLUDED.api_key_hint,"
    " enabled = EXCLUDED.enabled, version = a.version + 1, update_time = EXCLUDED.update_time"
    " RETURNING " INVOICEHUB_BILLPAY_ACCOUNT_COLUMNS;

#undef INVOICEHUB_BILLPAY_ACCOUNT_COLUMNS

// The one query across companies: the workers ask whom to serve, then work
// inside each company's scope.
constexpr char kSelectEnabledCompanies[] =
    "SELECT company_id FROM billpay_accounts WHERE enabled ORDER BY company_id";

StoredBillPayAccount FromRow(const soci::row& row) {
  StoredBillPayAccount account;
  account.company_id = row.get<long long>(0);
  account.base_url = row.get<std::string>(1);
  account.api_key_sealed = HexToBytes(row.get<std::string>(2));
  account.webhook_secret_sealed = HexToBytes(row.get<std::string>(3));
  account.api_key_hint = row.get<std::string>(4);
  account.enabled = row.get<int>(5) != 0;
  account.version = row.get<long long>(6);
  account.create_time = FromMicros(row.get<long long>(7));
  account.update_time = FromMicros(row.get<long long>(8));
  return account;
}

}  // namespace

absl::StatusOr<StoredBillPayAccount> FindBillPayAccount(Transaction& tx, int64_t company_id) {
  long long company = company_id;
  soci::row row;
  tx.session() << kSelectAccount, soci::use(company, "company_id"), soci::into(row);
  if (!tx.session().got_data())
    return absl::NotFoundError(absl::StrCat("company ", company_id, " has no bill-pay account"));
  return FromRow(row);
}

StoredBillPayAccount SaveBillPayAccount(Transaction& tx, const StoredBillPayAccount& account, absl::Time now) {
  long long company = account.company_id, micros = ToMicros(now), micros2 = micros;
  std::string api_key_hex = BytesToHex(account.api_key_sealed);
  std::string webhook_secret_hex = BytesToHex(account.webhook_secret_sealed);
  int enabled = account.enabled ? 1 : 0;
  soci::row row;
  tx.session() << kUpsertAccount, soci::use(company, "company_id"), soci::use(account.base_url, "base_url"),
      soci::use(api_key_hex, "api_key_hex"), soci::use(webhook_secret_hex, "webhook_secret_hex"),
      soci::use(account.api_key_hint, "hint"), soci::use(enabled, "enabled"), soci::use(micros, "now"),
      soci::use(micros2, "now2"), soci::into(row);
  return FromRow(row);
}

std::vector<int64_t> ListCompaniesWithBillPay(Transaction& tx) {
  soci::rowset<long long> rows = tx.session().prepare << kSelectEnabledCompanies;
  return std::vector<int64_t>(rows.begin(), rows.end());
}

}  // namespace invoicehub::storage
