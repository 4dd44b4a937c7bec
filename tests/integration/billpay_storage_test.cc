// Bill-pay storage against a real PostgreSQL: each company's account with
// its secrets sealed (BP-6), the links between our records and bill-pay's
// (BP-3, BP-4, BP-9, BP-12), and the per-company gateway cache (BP-6). Only
// the bill-pay HTTP adapter is faked; the database is real.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "integrations/billpay/billpay_gateway.h"
#include "server/app/billpay_accounts.h"
#include "server/app/billpay_gateways.h"
#include "server/app/secret_box.h"
#include "server/domain/field_errors.h"
#include "server/domain/invoice.h"
#include "server/domain/payment.h"
#include "storage/billpay_account_repository.h"
#include "storage/billpay_import_cursor.h"
#include "storage/billpay_links.h"
#include "storage/invoice_repository.h"
#include "storage/payment_repository.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kMasterKey[] = "8f3a1c0d9e7b65f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0";
constexpr char kOtherMasterKey[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr char kApiKey[] = "sk_test_Kq8vN3pLx2Rw7Ty5";
constexpr char kWebhookSecret[] = "whsec_Zm4Hb9Qd2Jc6Vf1S";

app::SecretBox Box(const char* key = kMasterKey) { return *app::SecretBox::FromMasterKey(key); }

app::BillPayAccountInput Input(int64_t expected_version = 0, std::string api_key = kApiKey,
                               std::string webhook_secret = kWebhookSecret) {
  app::BillPayAccountInput input;
  input.base_url = "https://billpay.example";
  input.api_key = std::move(api_key);
  input.webhook_secret = std::move(webhook_secret);
  input.enabled = true;
  input.expected_version = expected_version;
  return input;
}

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const domain::FieldViolation& violation : domain::FieldViolationsOf(status)) fields.push_back(violation.field);
  return fields;
}

class BillPayStorageTest : public ::testing::Test {
 protected:
  absl::StatusOr<app::BillPayAccountChange> Set(int64_t company_id, const app::BillPayAccountInput& input,
                                                const app::SecretBox& box = Box()) {
    return db_.Run([&](storage::Transaction& tx) {
      return app::SetBillPayAccount(tx, box, company_id, input, NextCreateTime());
    });
  }

  absl::StatusOr<app::BillPayAccount> Load(int64_t company_id, const app::SecretBox& box = Box()) {
    return db_.Run([&](storage::Transaction& tx) { return app::LoadBillPayAccount(tx, box, company_id); });
  }

  absl::StatusOr<storage::StoredBillPayAccount> FindStored(int64_t company_id) {
    return db_.Run([&](storage::Transaction& tx) { return storage::FindBillPayAccount(tx, company_id); });
  }

  int64_t AddInvoice(int64_t company_id, int64_t customer_id) {
    domain::Invoice invoice;
    invoice.customer_id = customer_id;
    invoice.issue_date = absl::CivilDay(2024, 3, 1);
    invoice.due_date = absl::CivilDay(2024, 3, 31);
    invoice.currency_code = "CHF";
    absl::StatusOr<domain::Invoice> stored = db_.Run(
        [&](storage::Transaction& tx) { return storage::InsertInvoice(tx, company_id, invoice, NextCreateTime()); });
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->id : 0;
  }

  int64_t AddPayment(int64_t company_id, int64_t customer_id) {
    domain::Payment payment;
    payment.customer_id = customer_id;
    payment.currency_code = "CHF";
    payment.amount_minor = 5000;
    payment.unapplied_minor = 5000;
    payment.received_date = absl::CivilDay(2024, 3, 5);
    absl::StatusOr<int64_t> id = db_.Run(
        [&](storage::Transaction& tx) { return storage::InsertPayment(tx, company_id, payment, NextCreateTime()); });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  template <typename Body>
  void Write(Body&& body) {
    db_.Write(std::forward<Body>(body));
  }
  template <typename Body>
  auto Read(Body&& body) -> std::invoke_result_t<Body, storage::Transaction&> {
    return db_.Read(std::forward<Body>(body));
  }

  MigratedDatabase db_{4};
  int64_t company_ = AddCompany(db_, "Bill-pay AG");
  int64_t other_company_ = AddCompany(db_, "Other AG");
  int64_t customer_ = AddCustomer(db_, company_, "Payer AG");
};

// ---------------------------------------------------------------- account repository

TEST_F(BillPayStorageTest, AccountRoundTripsAndEachSaveBumpsTheVersion) {
  storage::StoredBillPayAccount account;
  account.company_id = company_;
  account.base_url = "http://127.0.0.1:9100";
  account.api_key_sealed = std::string("\0\x01\xfe\xff sealed", 11);  // any bytes, NUL included
  account.webhook_secret_sealed = std::string("\xff\0\x7f", 3);
  account.api_key_hint = "abcd";
  account.enabled = true;
  const absl::Time created = absl::FromUnixMicros(1714557600123456);
  absl::StatusOr<storage::StoredBillPayAccount> saved = db_.Run([&](storage::Transaction& tx) {
    return absl::StatusOr<storage::StoredBillPayAccount>(storage::SaveBillPayAccount(tx, account, created));
  });
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->version, 1);

  absl::StatusOr<storage::StoredBillPayAccount> found = FindStored(company_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->company_id, company_);
  EXPECT_EQ(found->base_url, "http://127.0.0.1:9100");
  EXPECT_EQ(found->api_key_sealed, account.api_key_sealed);
  EXPECT_EQ(found->webhook_secret_sealed, account.webhook_secret_sealed);
  EXPECT_EQ(found->api_key_hint, "abcd");
  EXPECT_TRUE(found->enabled);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->create_time, created);
  EXPECT_EQ(found->update_time, created);

  account.base_url = "https://billpay.example";
  account.enabled = false;
  const absl::Time updated = created + absl::Hours(1);
  Write([&](storage::Transaction& tx) { storage::SaveBillPayAccount(tx, account, updated); });
  found = FindStored(company_);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->version, 2);
  EXPECT_EQ(found->base_url, "https://billpay.example");
  EXPECT_FALSE(found->enabled);
  EXPECT_EQ(found->create_time, created);
  EXPECT_EQ(found->update_time, updated);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_accounts"), "1");
}

TEST_F(BillPayStorageTest, OnlyEnabledAccountsAreListedForTheWorkers) {
  const int64_t third = AddCompany(db_, "Third AG");
  ASSERT_TRUE(Set(company_, Input()).ok());
  ASSERT_TRUE(Set(third, Input()).ok());
  app::BillPayAccountInput off = Input(1, "", "");
  off.enabled = false;
  ASSERT_TRUE(Set(third, off).ok());
  EXPECT_THAT(Read([](storage::Transaction& tx) { return storage::ListCompaniesWithBillPay(tx); }),
              ElementsAre(company_));
}

TEST_F(BillPayStorageTest, ACompanyWithoutAnAccountIsNotFound) {
  EXPECT_EQ(FindStored(company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Load(company_).status().code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------- SetBillPayAccount / LoadBillPayAccount

TEST_F(BillPayStorageTest, SetCreatesTheAccountAndLoadOpensItsSecrets) {  // BP-6
  absl::StatusOr<app::BillPayAccountChange> change = Set(company_, Input());
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_FALSE(change->before.has_value());
  EXPECT_EQ(change->after.version, 1);
  EXPECT_EQ(change->after.api_key_hint, "7Ty5");
  EXPECT_EQ(change->after.base_url, "https://billpay.example");
  // A change goes to the API answer and the audit log: it carries no secret.
  EXPECT_THAT(change->after.api_key, IsEmpty());
  EXPECT_THAT(change->after.webhook_secret, IsEmpty());

  absl::StatusOr<app::BillPayAccount> loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->company_id, company_);
  EXPECT_EQ(loaded->api_key, kApiKey);
  EXPECT_EQ(loaded->webhook_secret, kWebhookSecret);
  EXPECT_EQ(loaded->api_key_hint, "7Ty5");
  EXPECT_TRUE(loaded->enabled);
  EXPECT_EQ(loaded->version, 1);
}

// BP-6: a database dump does not reveal the key or the webhook secret, in
// text or as bytes.
TEST_F(BillPayStorageTest, StoredSecretsAreSealedNotPlain) {  // BP-6
  ASSERT_TRUE(Set(company_, Input()).ok());
  const std::string dump = db_.Scalar("SELECT string_agg(a::text, '|') FROM (SELECT * FROM billpay_accounts) a");
  ASSERT_THAT(dump, HasSubstr("billpay.example"));  // the dump holds the row
  for (const std::string secret : {kApiKey, kWebhookSecret}) {
    EXPECT_THAT(dump, Not(HasSubstr(secret)));
    EXPECT_THAT(dump, Not(HasSubstr(absl::BytesToHexString(secret))));  // bytea prints as hex
    EXPECT_THAT(dump, Not(HasSubstr(secret.substr(0, 12))));
  }
  // The raw columns are sealed bytes: nonce + ciphertext + tag.
  const std::string raw_key = absl::HexStringToBytes(
      db_.Scalar(absl::StrCat("SELECT encode(api_key_sealed, 'hex') FROM billpay_accounts WHERE company_id = ", company_)));
  EXPECT_EQ(raw_key.size(), 12 + std::string(kApiKey).size() + 16);
  EXPECT_THAT(raw_key, Not(HasSubstr(kApiKey)));
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_accounts WHERE api_key_sealed = webhook_secret_sealed"), "0");
}

TEST_F(BillPayStorageTest, EveryInvalidFieldIsNamed) {
  app::BillPayAccountInput input;
  input.base_url = "ftp://billpay.example";
  input.api_key = "";
  input.webhook_secret = "too short";
  absl::StatusOr<app::BillPayAccountChange> change = Set(company_, input);
  ASSERT_EQ(change.status().code(), absl::StatusCode::kInvalidArgument) << change.status();
  EXPECT_THAT(FieldsOf(change.status()), UnorderedElementsAre("base_url", "api_key", "webhook_secret"));
  EXPECT_THAT(std::string(change.status().message()), Not(HasSubstr("too short")));  // a secret is never quoted
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_accounts"), "0");
}

TEST_F(BillPayStorageTest, BaseUrlMustBeAPlainHttpOrHttpsHost) {
  for (const char* bad : {"", "billpay.example", "ftp://billpay.example", "https://", "https:///v1",
                          "https://user:pw@billpay.example", "https://billpay.example?x=1",
                          "https://billpay.example/#top", "https://billpay.example:0", "https://billpay.example:99999",
                          "https://billpay.example:port", "https://bill pay.example", "https://billpay.example\n"}) {
    app::BillPayAccountInput input = Input();
    input.base_url = bad;
    absl::StatusOr<app::BillPayAccountChange> change = Set(company_, input);
    EXPECT_EQ(change.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(FieldsOf(change.status()), ElementsAre("base_url")) << bad;
  }
  for (const char* good : {"http://127.0.0.1:9100", "https://billpay.example/api", "http://[::1]:9100",
                           "http://[::1]", "http://localhost:9100", "http://LocalHost/api", "https://10.0.0.5:8443"}) {
    const int64_t company = AddCompany(db_, good);
    app::BillPayAccountInput input = Input();
    input.base_url = good;
    absl::StatusOr<app::BillPayAccountChange> change = Set(company, input);
    EXPECT_TRUE(change.ok()) << good << ": " << change.status();
  }
  // One form with or without the trailing slash: the adapter appends "/v1/...".
  app::BillPayAccountInput slash = Input();
  slash.base_url = "https://billpay.example/api/";
  absl::StatusOr<app::BillPayAccountChange> change = Set(company_, slash);
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ(change->after.base_url, "https://billpay.example/api");
}

// Every call carries the API key in a header: over plain http only to this
// machine (the local sandbox).
TEST_F(BillPayStorageTest, PlainHttpIsOnlyForLoopbackHosts) {  // BP-6
  for (const char* bad : {"http://billpay.example", "http://billpay.example:80/api", "http://10.0.0.5:9100",
                          "http://127.0.0.1.billpay.example", "http://localhost.billpay.example",
                          "http://[2001:db8::1]:9100"}) {
    app::BillPayAccountInput input = Input();
    input.base_url = bad;
    absl::StatusOr<app::BillPayAccountChange> change = Set(company_, input);
    ASSERT_EQ(change.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(FieldsOf(change.status()), ElementsAre("base_url")) << bad;
    EXPECT_THAT(std::string(change.status().message()), HasSubstr("clear text")) << bad;
  }
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_accounts"), "0");
}

TEST_F(BillPayStorageTest, SecretsMustBeVisibleAsciiOfSensibleLength) {
  for (const char* bad_key : {"short", "has a space in it", "tab\tinside-the-key"}) {
    absl::StatusOr<app::BillPayAccountChange> change = Set(company_, Input(0, bad_key));
    EXPECT_THAT(FieldsOf(change.status()), ElementsAre("api_key")) << bad_key;
    EXPECT_THAT(std::string(change.status().message()), Not(HasSubstr(bad_key)));
  }
  EXPECT_THAT(FieldsOf(Set(company_, Input(0, kApiKey, "")).status()), ElementsAre("webhook_secret"));
  EXPECT_THAT(FieldsOf(Set(company_, Input(0, std::string(501, 'k'))).status()), ElementsAre("api_key"));
}

// Optimistic concurrency: a save names the version it read; a stale one
// changes nothing.
TEST_F(BillPayStorageTest, AStaleVersionIsAbortedAndChangesNothing) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayAccountInput update = Input(1, "sk_test_second_key_9999");
  absl::StatusOr<app::BillPayAccountChange> second = Set(company_, update);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->before.has_value());
  EXPECT_EQ(second->before->version, 1);
  EXPECT_EQ(second->before->api_key_hint, "7Ty5");
  EXPECT_EQ(second->after.version, 2);
  EXPECT_EQ(second->after.api_key_hint, "9999");

  // Read at version 1, saved after version 2 was written.
  update.api_key = "sk_test_third_key_0000";
  EXPECT_EQ(Set(company_, update).status().code(), absl::StatusCode::kAborted);
  // A second "create" once the account exists.
  EXPECT_EQ(Set(company_, Input(0)).status().code(), absl::StatusCode::kAborted);
  // An update of an account that does not exist.
  EXPECT_EQ(Set(other_company_, Input(3)).status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(FindStored(other_company_).status().code(), absl::StatusCode::kNotFound);

  absl::StatusOr<app::BillPayAccount> loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->version, 2);
  EXPECT_EQ(loaded->api_key, "sk_test_second_key_9999");
}

TEST_F(BillPayStorageTest, EmptySecretsOnUpdateKeepTheStoredOnes) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayAccountInput update = Input(1, "", "");
  update.base_url = "https://other.billpay.example";
  absl::StatusOr<app::BillPayAccountChange> change = Set(company_, update);
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ(change->after.api_key_hint, "7Ty5");

  absl::StatusOr<app::BillPayAccount> loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->base_url, "https://other.billpay.example");
  EXPECT_EQ(loaded->api_key, kApiKey);
  EXPECT_EQ(loaded->webhook_secret, kWebhookSecret);
  EXPECT_EQ(loaded->version, 2);

  // Only the webhook secret replaced.
  ASSERT_TRUE(Set(company_, Input(2, "", "whsec_rotated_secret_0001")).ok());
  loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->api_key, kApiKey);
  EXPECT_EQ(loaded->webhook_secret, "whsec_rotated_secret_0001");
}

// BP-6: the company's links (and its import cursor) belong to the bill-pay
// account that made them; pointing the company at another account would
// leave them naming records that account does not have.
TEST_F(BillPayStorageTest, BaseUrlCannotMoveOnceTheCompanyIsLinked) {  // BP-6
  ASSERT_TRUE(Set(company_, Input()).ok());
  Write([&](storage::Transaction& tx) { storage::SaveBillPayCustomer(tx, company_, customer_, "cus_1", At(2024, 3, 1)); });

  app::BillPayAccountInput move = Input(1, "", "");
  move.base_url = "https://other.billpay.example";
  absl::StatusOr<app::BillPayAccountChange> moved = Set(company_, move);
  ASSERT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition) << moved.status();
  EXPECT_EQ(domain::RuleOf(moved.status()), "BP-6");
  EXPECT_THAT(std::string(moved.status().message()), HasSubstr("linked to its current bill-pay account"));
  EXPECT_THAT(std::string(moved.status().message()), HasSubstr("not supported"));
  absl::StatusOr<app::BillPayAccount> loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->base_url, "https://billpay.example");
  EXPECT_EQ(loaded->version, 1);

  // The same account: a new key, a new secret, disabled, even with a trailing slash.
  app::BillPayAccountInput same = Input(1, "sk_test_rotated_key_4321", "whsec_rotated_secret_0002");
  same.base_url = "https://billpay.example/";
  same.enabled = false;
  absl::StatusOr<app::BillPayAccountChange> kept = Set(company_, same);
  ASSERT_TRUE(kept.ok()) << kept.status();
  loaded = Load(company_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->base_url, "https://billpay.example");
  EXPECT_EQ(loaded->api_key, "sk_test_rotated_key_4321");
  EXPECT_EQ(loaded->webhook_secret, "whsec_rotated_secret_0002");
  EXPECT_FALSE(loaded->enabled);

  // Another company, not linked yet, may still move.
  ASSERT_TRUE(Set(other_company_, Input()).ok());
  move.expected_version = 1;
  EXPECT_TRUE(Set(other_company_, move).ok());
}

TEST_F(BillPayStorageTest, BaseUrlCannotMoveOnceTheImportHasACursor) {  // BP-6
  ASSERT_TRUE(Set(company_, Input()).ok());
  Write([&](storage::Transaction& tx) { storage::SaveImportCursor(tx, company_, "cur_17", At(2024, 3, 1)); });
  app::BillPayAccountInput move = Input(1, "", "");
  move.base_url = "https://other.billpay.example";
  EXPECT_EQ(Set(company_, move).status().code(), absl::StatusCode::kFailedPrecondition);
}

// GetBillPayAccount shows the account without opening its secrets: nothing
// secret is in memory for it, and it answers even when they no longer open.
TEST_F(BillPayStorageTest, DescribeGivesTheAccountWithoutItsSecrets) {  // BP-6
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return app::DescribeBillPayAccount(tx, company_).status().code(); }),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(Set(company_, Input()).ok());
  // Under another master key the secrets do not open; describing needs none.
  ASSERT_EQ(Load(company_, Box(kOtherMasterKey)).status().code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<app::BillPayAccount> described =
      db_.Run([&](storage::Transaction& tx) { return app::DescribeBillPayAccount(tx, company_); });
  ASSERT_TRUE(described.ok()) << described.status();
  EXPECT_EQ(described->company_id, company_);
  EXPECT_EQ(described->base_url, "https://billpay.example");
  EXPECT_EQ(described->api_key_hint, "7Ty5");
  EXPECT_TRUE(described->enabled);
  EXPECT_EQ(described->version, 1);
  EXPECT_THAT(described->api_key, IsEmpty());
  EXPECT_THAT(described->webhook_secret, IsEmpty());
  EXPECT_EQ(Read([&](storage::Transaction& tx) {
              return app::DescribeBillPayAccount(tx, other_company_).status().code();
            }),
            absl::StatusCode::kNotFound);  // BP-6: not another company's
}

TEST_F(BillPayStorageTest, SecretsSealedUnderAnotherMasterKeyDoNotOpen) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  EXPECT_EQ(Load(company_, Box(kOtherMasterKey)).status().code(), absl::StatusCode::kFailedPrecondition);
  // They can still be replaced (e.g. after a lost master key), without opening the old ones.
  ASSERT_TRUE(Set(company_, Input(1), Box(kOtherMasterKey)).ok());
  absl::StatusOr<app::BillPayAccount> loaded = Load(company_, Box(kOtherMasterKey));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->api_key, kApiKey);
}

// BP-6: one company never sees another's account, and its sealed secrets
// copied into another company's row do not open there.
TEST_F(BillPayStorageTest, AnotherCompanysAccountIsInvisible) {  // BP-6
  ASSERT_TRUE(Set(company_, Input()).ok());
  EXPECT_EQ(FindStored(other_company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Load(other_company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(Read([](storage::Transaction& tx) { return storage::ListCompaniesWithBillPay(tx); }),
              ElementsAre(company_));

  testing::ExecSql(db_.url(), absl::StrCat("INSERT INTO billpay_accounts SELECT ", other_company_,
                                           ", base_url, api_key_sealed, webhook_secret_sealed, api_key_hint, enabled,"
                                           " version, create_time, update_time FROM billpay_accounts"
                                           " WHERE company_id = ",
                                           company_));
  EXPECT_EQ(Load(other_company_).status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Load(company_).ok());
}

TEST_F(BillPayStorageTest, AnUnknownCompanyIsNotFound) {
  EXPECT_EQ(Set(company_ + other_company_, Input()).status().code(), absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------- customer links (BP-3)

TEST_F(BillPayStorageTest, CustomerLinkIsFoundBothWays) {  // BP-3
  Write([&](storage::Transaction& tx) { storage::SaveBillPayCustomer(tx, company_, customer_, "cus_1", At(2024, 3, 1)); });
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, company_, customer_); }),
            "cus_1");
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindCustomerOfBillPayCustomer(tx, company_, "cus_1"); }),
            customer_);
  // A retry keeps the first link.
  Write([&](storage::Transaction& tx) { storage::SaveBillPayCustomer(tx, company_, customer_, "cus_2", At(2024, 3, 2)); });
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, company_, customer_); }),
            "cus_1");
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindCustomerOfBillPayCustomer(tx, company_, "cus_2"); }),
            std::nullopt);
  // BP-6: another company sees no link.
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, other_company_, customer_); }),
            std::nullopt);
  EXPECT_EQ(Read([&](storage::Transaction& tx) {
              return storage::FindCustomerOfBillPayCustomer(tx, other_company_, "cus_1");
            }),
            std::nullopt);
}

// BP-3: two dispatchers that both created the customer in bill-pay save the
// link at once; one link is kept and neither fails. The second insert is
// made to wait on the first's uncommitted row, so the race is forced.
TEST_F(BillPayStorageTest, ConcurrentCustomerLinksAreSavedOnce) {  // BP-3
  std::promise<void> first_saved, release_first;
  std::shared_future<void> release = release_first.get_future().share();
  absl::Status first_status, second_status;
  std::thread first([&] {
    bool signalled = false;
    first_status = db_.RunStatus([&](storage::Transaction& tx) {
      storage::SaveBillPayCustomer(tx, company_, customer_, "cus_first", At(2024, 3, 1));
      first_saved.set_value();
      signalled = true;
      release.wait();
      return absl::OkStatus();
    });
    if (!signalled) first_saved.set_value();
  });
  first_saved.get_future().wait();
  std::thread second([&] {
    second_status = db_.RunStatus([&](storage::Transaction& tx) {
      storage::SaveBillPayCustomer(tx, company_, customer_, "cus_second", At(2024, 3, 1));
      return absl::OkStatus();
    });
  });
  const bool second_waited = WaitUntil([&] {
    return db_.Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      " AND wait_event_type = 'Lock'") == "1";
  });
  release_first.set_value();
  first.join();
  second.join();
  EXPECT_TRUE(second_waited);
  EXPECT_TRUE(first_status.ok()) << first_status;
  EXPECT_TRUE(second_status.ok()) << second_status;
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_customers"), "1");
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, company_, customer_); }),
            "cus_first");
}

// ---------------------------------------------------------------- invoice links (BP-4, BP-9)

TEST_F(BillPayStorageTest, OneLiveInvoiceLinkPerInvoice) {  // BP-4, BP-9
  const int64_t invoice = AddInvoice(company_, customer_);
  const storage::BillPayInvoiceLink first{"inv_1", invoice, "https://pay.example/p/1", true};
  Write([&](storage::Transaction& tx) { storage::SaveBillPayInvoice(tx, company_, first, At(2024, 3, 1)); });
  // A retry of the same record keeps the row (and its URL).
  Write([&](storage::Transaction& tx) {
    storage::SaveBillPayInvoice(tx, company_, {"inv_1", invoice, "https://pay.example/p/other", true}, At(2024, 3, 2));
  });
  std::optional<storage::BillPayInvoiceLink> live =
      Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, invoice); });
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->billpay_invoice_id, "inv_1");
  EXPECT_EQ(live->pay_now_url, "https://pay.example/p/1");
  EXPECT_TRUE(live->live);

  // A second live record for the same invoice is refused by the database.
  absl::Status second = db_.RunStatus([&](storage::Transaction& tx) {
    storage::SaveBillPayInvoice(tx, company_, {"inv_2", invoice, "https://pay.example/p/2", true}, At(2024, 3, 3));
    return absl::OkStatus();
  });
  EXPECT_EQ(second.code(), absl::StatusCode::kAlreadyExists) << second;

  // BP-9: once deleted, the next finalize makes a new record with a new URL.
  Write([&](storage::Transaction& tx) { storage::MarkBillPayInvoiceDeleted(tx, company_, "inv_1", At(2024, 3, 4)); });
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, invoice); }),
            std::nullopt);
  std::optional<storage::BillPayInvoiceLink> deleted =
      Read([&](storage::Transaction& tx) { return storage::FindBillPayInvoice(tx, company_, "inv_1"); });
  ASSERT_TRUE(deleted.has_value());
  EXPECT_FALSE(deleted->live);
  EXPECT_EQ(deleted->invoice_id, invoice);
  // Deleting again keeps the first delete time.
  Write([&](storage::Transaction& tx) { storage::MarkBillPayInvoiceDeleted(tx, company_, "inv_1", At(2024, 3, 9)); });
  EXPECT_EQ(db_.Scalar("SELECT delete_time = '2024-03-04 12:00:00+00' FROM billpay_invoices"
                       " WHERE billpay_invoice_id = 'inv_1'"),
            "t");

  Write([&](storage::Transaction& tx) {
    storage::SaveBillPayInvoice(tx, company_, {"inv_2", invoice, "https://pay.example/p/2", true}, At(2024, 3, 5));
  });
  live = Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, invoice); });
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->billpay_invoice_id, "inv_2");
  EXPECT_EQ(live->pay_now_url, "https://pay.example/p/2");

  // BP-6: another company finds neither record.
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, other_company_, invoice); }),
            std::nullopt);
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayInvoice(tx, other_company_, "inv_1"); }),
            std::nullopt);
}

// ---------------------------------------------------------------- payment links (BP-8, BP-12)

// BP-12: a payment reported twice (webhook and import, or a repeated
// delivery) is linked once; the second insert says so and writes nothing.
TEST_F(BillPayStorageTest, APaymentLinkIsInsertedOnce) {  // BP-12
  const int64_t payment = AddPayment(company_, customer_);
  const int64_t other_payment = AddPayment(company_, customer_);
  const storage::BillPayPaymentLink link{"pay_1", payment, storage::BillPayPaymentOrigin::kPayer, 0, true};
  EXPECT_TRUE(Read([&](storage::Transaction& tx) { return storage::InsertBillPayPayment(tx, company_, link, At(2024, 3, 5)); }));
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::InsertBillPayPayment(tx, company_, link, At(2024, 3, 6)); }));
  storage::BillPayPaymentLink other = link;
  other.payment_id = other_payment;
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::InsertBillPayPayment(tx, company_, other, At(2024, 3, 6)); }));
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM billpay_payments"), "1");

  std::optional<storage::BillPayPaymentLink> found =
      Read([&](storage::Transaction& tx) { return storage::FindBillPayPayment(tx, company_, "pay_1"); });
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->payment_id, payment);
  EXPECT_EQ(found->origin, storage::BillPayPaymentOrigin::kPayer);
  EXPECT_TRUE(found->live);
  // BP-6: not another company's.
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayPayment(tx, other_company_, "pay_1"); }),
            std::nullopt);

  Write([&](storage::Transaction& tx) { storage::MarkBillPayPaymentDeleted(tx, company_, "pay_1", At(2024, 3, 7)); });
  found = Read([&](storage::Transaction& tx) { return storage::FindBillPayPayment(tx, company_, "pay_1"); });
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->live);
  // A deleted link still blocks a late repeat (BP-12).
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::InsertBillPayPayment(tx, company_, link, At(2024, 3, 8)); }));
}

std::vector<std::string> Ids(const std::vector<storage::BillPayPaymentLink>& links) {
  std::vector<std::string> ids;
  for (const storage::BillPayPaymentLink& link : links) ids.push_back(link.billpay_payment_id);
  return ids;
}

// BP-8: the payments made again in bill-pay against one invoice are found
// by that invoice; deleted ones and other payments' are not.
TEST_F(BillPayStorageTest, LivePaymentsOfAPaymentFilterByInvoice) {  // BP-8, BP-10
  const int64_t payment = AddPayment(company_, customer_);
  const int64_t other_payment = AddPayment(company_, customer_);
  const int64_t x = AddInvoice(company_, customer_), y = AddInvoice(company_, customer_);
  using storage::BillPayPaymentOrigin;
  const std::vector<storage::BillPayPaymentLink> links = {
      {"pay_payer", payment, BillPayPaymentOrigin::kPayer, 0, true},
      {"pay_api_x", payment, BillPayPaymentOrigin::kApi, x, true},
      {"pay_api_y", payment, BillPayPaymentOrigin::kApi, y, true},
      {"pay_api_x_gone", payment, BillPayPaymentOrigin::kApi, x, true},
      {"pay_other_x", other_payment, BillPayPaymentOrigin::kApi, x, true},
  };
  for (size_t i = 0; i < links.size(); ++i)
    ASSERT_TRUE(Read([&](storage::Transaction& tx) {
      return storage::InsertBillPayPayment(tx, company_, links[i], At(2024, 3, 1) + absl::Seconds(i));
    }));
  Write([&](storage::Transaction& tx) { storage::MarkBillPayPaymentDeleted(tx, company_, "pay_api_x_gone", At(2024, 3, 9)); });

  auto live_of = [&](int64_t company, int64_t of, int64_t invoice) {
    return Ids(Read([&](storage::Transaction& tx) { return storage::LiveBillPayPaymentsOf(tx, company, of, invoice); }));
  };
  EXPECT_THAT(live_of(company_, payment, 0), ElementsAre("pay_payer", "pay_api_x", "pay_api_y"));
  EXPECT_THAT(live_of(company_, payment, x), ElementsAre("pay_api_x"));
  EXPECT_THAT(live_of(company_, payment, y), ElementsAre("pay_api_y"));
  EXPECT_THAT(live_of(company_, other_payment, x), ElementsAre("pay_other_x"));
  EXPECT_THAT(live_of(other_company_, payment, 0), IsEmpty());  // BP-6
}

// ---------------------------------------------------------------- gateways (BP-6)

// Stands in for the HTTP adapter: remembers the account it was made for.
class FakeGateway : public billpay::BillPayGateway {
 public:
  explicit FakeGateway(billpay::AccountConfig account) : account(std::move(account)) {}
  billpay::Result<std::optional<billpay::CustomerRecord>> FindCustomer(const std::string&) override { return {}; }
  billpay::Result<std::optional<billpay::InvoiceRecord>> FindInvoice(const std::string&) override { return {}; }
  billpay::Result<billpay::CustomerRecord> CreateCustomer(const billpay::NewCustomer&, const std::string&) override {
    return {};
  }
  billpay::Result<billpay::InvoiceRecord> CreateInvoice(const billpay::InvoiceDocument&, const std::string&) override {
    return {};
  }
  billpay::Result<billpay::InvoiceRecord> UpdateInvoice(const std::string&, const billpay::InvoiceUpdate&,
                                                        const std::string&) override {
    return {};
  }
  billpay::Result<bool> DeleteInvoice(const std::string&, const std::string&) override { return {}; }
  billpay::Result<billpay::PaymentPage> ListPayments(const std::string&, int) override { return {}; }
  billpay::Result<billpay::PaymentRecord> CreatePayment(const billpay::NewPayment&, const std::string&) override {
    return {};
  }
  billpay::Result<bool> DeletePayment(const std::string&, const std::string&) override { return {}; }

  const billpay::AccountConfig account;
};

class BillPayGatewaysTest : public BillPayStorageTest {
 protected:
  app::BillPayGateways::Factory CountingFactory() {
    return [this](const billpay::AccountConfig& account) {
      ++made_;
      return std::make_unique<FakeGateway>(account);
    };
  }

  static const FakeGateway& Fake(const absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>>& gateway) {
    return dynamic_cast<const FakeGateway&>(**gateway);
  }

  int made_ = 0;
};

TEST_F(BillPayGatewaysTest, NoAccountOrADisabledOneIsNotFound) {
  app::BillPayGateways gateways(db_.db(), Box(), CountingFactory());
  EXPECT_EQ(gateways.ForCompany(company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gateways.WebhookSecret(company_).status().code(), absl::StatusCode::kNotFound);

  ASSERT_TRUE(Set(company_, Input()).ok());
  ASSERT_TRUE(gateways.ForCompany(company_).ok());
  app::BillPayAccountInput off = Input(1, "", "");
  off.enabled = false;
  ASSERT_TRUE(Set(company_, off).ok());
  EXPECT_EQ(gateways.ForCompany(company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gateways.WebhookSecret(company_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(made_, 1);
}

TEST_F(BillPayGatewaysTest, WithoutAMasterKeyNoCompanyHasBillPay) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayGateways gateways(db_.db(), std::nullopt, CountingFactory());
  EXPECT_EQ(gateways.ForCompany(company_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gateways.WebhookSecret(company_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(made_, 0);
}

TEST_F(BillPayGatewaysTest, SecretsThatDoNotOpenAreAFailedPrecondition) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayGateways gateways(db_.db(), Box(kOtherMasterKey), CountingFactory());
  EXPECT_EQ(gateways.ForCompany(company_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gateways.WebhookSecret(company_).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(made_, 0);
}

// The gateway (and its connections) is reused until the account changes;
// the next call after a change uses the new key.
TEST_F(BillPayGatewaysTest, TheGatewayIsReusedUntilTheAccountVersionChanges) {
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayGateways gateways(db_.db(), Box(), CountingFactory());
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> first = gateways.ForCompany(company_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Fake(first).account.api_key, kApiKey);
  EXPECT_EQ(Fake(first).account.base_url, "https://billpay.example");
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> again = gateways.ForCompany(company_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->get(), first->get());
  EXPECT_EQ(made_, 1);

  ASSERT_TRUE(Set(company_, Input(1, "sk_test_rotated_key_4242")).ok());
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> changed = gateways.ForCompany(company_);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ(Fake(changed).account.api_key, "sk_test_rotated_key_4242");
  EXPECT_EQ(made_, 2);
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> changed_again = gateways.ForCompany(company_);
  ASSERT_TRUE(changed_again.ok()) << changed_again.status();
  EXPECT_EQ(changed_again->get(), changed->get());
  EXPECT_EQ(made_, 2);
  // The old gateway stays usable by whoever still holds it.
  EXPECT_EQ(Fake(first).account.api_key, kApiKey);

  absl::StatusOr<std::string> secret = gateways.WebhookSecret(company_);
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, kWebhookSecret);
}

// BP-6: each company's gateway speaks with that company's own account.
TEST_F(BillPayGatewaysTest, EachCompanyGetsItsOwnAccount) {  // BP-6
  ASSERT_TRUE(Set(company_, Input()).ok());
  app::BillPayAccountInput other = Input(0, "sk_test_other_company_key", "whsec_other_company_secret");
  other.base_url = "http://127.0.0.1:9100";
  ASSERT_TRUE(Set(other_company_, other).ok());
  app::BillPayGateways gateways(db_.db(), Box(), CountingFactory());
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> mine = gateways.ForCompany(company_);
  absl::StatusOr<std::shared_ptr<billpay::BillPayGateway>> theirs = gateways.ForCompany(other_company_);
  ASSERT_TRUE(mine.ok()) << mine.status();
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_NE(mine->get(), theirs->get());
  EXPECT_EQ(Fake(mine).account.api_key, kApiKey);
  EXPECT_EQ(Fake(theirs).account.api_key, "sk_test_other_company_key");
  EXPECT_EQ(Fake(theirs).account.base_url, "http://127.0.0.1:9100");
  EXPECT_EQ(*gateways.WebhookSecret(other_company_), "whsec_other_company_secret");
  EXPECT_EQ(*gateways.WebhookSecret(company_), kWebhookSecret);
}

}  // namespace
}  // namespace invoicehub::integration
