// Tenancy (BP-6, DESIGN "every query is scoped by company_id"): one company
// never reads, lists or changes another company's customers, invoices, API
// keys or audit entries, even when it names them by id.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "server/app/company_actions.h"
#include "server/app/customer_actions.h"
#include "server/app/invoice_actions.h"
#include "server/domain/update_mask.h"
#include "storage/api_key_repository.h"
#include "storage/audit_log.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using ::testing::IsEmpty;

// Company A owns one customer, one invoice, one API key and an audit entry;
// company B owns nothing.
class TenancyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = AddCompany(db_, "Company A");
    b_ = AddCompany(db_, "Company B");
    a_customer_ = AddCustomer(db_, a_, "A's customer", "ap@a.example");
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      app::InvoiceDraftInput input;
      input.customer_id = a_customer_;
      input.issue_date = absl::CivilDay(2024, 3, 1);
      input.lines = {{"A's work", "1", domain::Money{"CHF", 10000}, "8.1"}};
      absl::StatusOr<domain::Invoice> invoice = app::CreateDraftInvoice(tx, a_, input, At(2024, 3, 1));
      if (!invoice.ok()) return invoice.status();
      a_invoice_ = invoice->id;
      a_invoice_version_ = invoice->version;
      domain::ApiKey key;
      key.company_id = a_;
      key.display_name = "A's key";
      key.role = domain::Role::kAdmin;
      key.secret_prefix = "ih_a_";
      absl::StatusOr<domain::ApiKey> stored = storage::InsertApiKey(tx, key, kAHash, At(2024, 3, 1));
      if (!stored.ok()) return stored.status();
      a_key_ = stored->id;
      storage::AuditEntry entry;
      entry.company_id = a_;
      entry.actor = "operator";
      entry.action = "CreateCustomer";
      entry.entity_type = "customer";
      entry.entity_id = a_customer_;
      entry.after_json = "{}";
      entry.occurred_at = At(2024, 3, 1);
      storage::AppendAudit(tx, entry);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  static constexpr char kAHash[] = "a-key-hash";
  MigratedDatabase db_;
  int64_t a_ = 0, b_ = 0, a_customer_ = 0, a_invoice_ = 0, a_invoice_version_ = 0, a_key_ = 0;
};

// BP-6: B cannot find A's customer by id.
TEST_F(TenancyTest, OtherCompanyCannotFindCustomer) {
  absl::StatusOr<domain::Customer> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindCustomer(tx, b_, a_customer_); });
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
  absl::StatusOr<domain::Customer> own =
      db_.Run([&](storage::Transaction& tx) { return storage::FindCustomer(tx, a_, a_customer_); });
  EXPECT_TRUE(own.ok()) << own.status();
}

// BP-6: B cannot find A's invoice by id.
TEST_F(TenancyTest, OtherCompanyCannotFindInvoice) {
  absl::StatusOr<domain::Invoice> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, b_, a_invoice_); });
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
  absl::StatusOr<domain::Invoice> own =
      db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, a_, a_invoice_); });
  EXPECT_TRUE(own.ok()) << own.status();
}

// BP-6: B cannot find A's API key, by id or by its hash.
TEST_F(TenancyTest, OtherCompanyCannotFindApiKey) {
  absl::StatusOr<domain::ApiKey> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindApiKey(tx, b_, a_key_); });
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
  absl::StatusOr<std::optional<domain::ApiKey>> by_hash =
      db_.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::optional<domain::ApiKey>> {
        return storage::FindActiveApiKeyByHash(tx, b_, kAHash);
      });
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  EXPECT_FALSE(by_hash->has_value());
}

// BP-6: B's lists are empty although A has records.
TEST_F(TenancyTest, OtherCompanyListsAreEmpty) {
  absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
    EXPECT_THAT(storage::ListCustomers(tx, b_, {}, {}, 100), IsEmpty());
    EXPECT_THAT(storage::ListInvoices(tx, b_, {}, {}, 100), IsEmpty());
    storage::InvoiceFilter by_customer;
    by_customer.customer_id = a_customer_;  // naming A's customer does not help
    EXPECT_THAT(storage::ListInvoices(tx, b_, by_customer, {}, 100), IsEmpty());
    EXPECT_THAT(storage::ListApiKeys(tx, b_), IsEmpty());
    EXPECT_THAT(storage::ListAudit(tx, b_, "customer", a_customer_), IsEmpty());
    // A sees its own.
    EXPECT_EQ(storage::ListCustomers(tx, a_, {}, {}, 100).size(), 1u);
    EXPECT_EQ(storage::ListInvoices(tx, a_, {}, {}, 100).size(), 1u);
    EXPECT_EQ(storage::ListApiKeys(tx, a_).size(), 1u);
    EXPECT_EQ(storage::ListAudit(tx, a_, "customer", a_customer_).size(), 1u);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

// BP-6: B cannot revoke A's key; it stays active.
TEST_F(TenancyTest, OtherCompanyCannotRevokeApiKey) {
  absl::StatusOr<app::Change<domain::ApiKey>> revoked =
      db_.Run([&](storage::Transaction& tx) { return app::RevokeApiKey(tx, b_, a_key_, At(2024, 4, 1)); });
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kNotFound) << revoked.status();
  absl::StatusOr<domain::ApiKey> repo_revoked =
      db_.Run([&](storage::Transaction& tx) { return storage::RevokeApiKey(tx, b_, a_key_, At(2024, 4, 1)); });
  EXPECT_EQ(repo_revoked.status().code(), absl::StatusCode::kNotFound) << repo_revoked.status();
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM api_keys WHERE revoke_time IS NULL"), "1");
}

// BP-6: B cannot update A's customer; nothing changes.
TEST_F(TenancyTest, OtherCompanyCannotUpdateCustomer) {
  domain::Customer patch = SampleCustomer("Hijacked", "evil@b.example");
  patch.id = a_customer_;
  patch.version = 1;
  domain::FieldErrors mask_errors;
  domain::UpdateMask mask = domain::UpdateMask::Parse(mask_errors, {"display_name"}, {"display_name", "email"});
  ASSERT_TRUE(mask_errors.empty());
  absl::StatusOr<app::Change<domain::Customer>> updated =
      db_.Run([&](storage::Transaction& tx) { return app::UpdateCustomer(tx, b_, patch, mask, At(2024, 4, 1)); });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound) << updated.status();
  absl::StatusOr<domain::Customer> repo_updated =
      db_.Run([&](storage::Transaction& tx) { return storage::UpdateCustomer(tx, b_, patch, At(2024, 4, 1)); });
  EXPECT_EQ(repo_updated.status().code(), absl::StatusCode::kNotFound) << repo_updated.status();
  EXPECT_EQ(db_.Scalar("SELECT display_name || ' v' || version FROM customers"), "A's customer v1");
}

// BP-6: B cannot edit A's draft invoice; nothing changes.
TEST_F(TenancyTest, OtherCompanyCannotUpdateDraftInvoice) {
  app::InvoiceDraftInput input;
  input.lines = {{"B's line", "1", domain::Money{"CHF", 1}, ""}};
  domain::FieldErrors mask_errors;
  domain::UpdateMask mask = domain::UpdateMask::Parse(mask_errors, {"lines"}, app::kEditableInvoiceFields);
  ASSERT_TRUE(mask_errors.empty());
  absl::StatusOr<app::Change<domain::Invoice>> updated = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, b_, a_invoice_, a_invoice_version_, input, mask, At(2024, 4, 1));
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound) << updated.status();
  EXPECT_EQ(db_.Scalar("SELECT string_agg(description, ',') FROM invoice_lines"), "A's work");
  EXPECT_EQ(db_.Scalar("SELECT company_id FROM invoice_lines"), std::to_string(a_));
  EXPECT_EQ(db_.Scalar("SELECT version FROM invoices"), "1");
}

// BP-6: the invoice repository itself refuses to write to another company's
// invoice: NOT_FOUND, like the customer and API key repositories, and
// nothing changes.
TEST_F(TenancyTest, InvoiceRepositoryUpdateOfOtherCompanysInvoiceIsNotFound) {
  absl::StatusOr<domain::Invoice> own =
      db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, a_, a_invoice_); });
  ASSERT_TRUE(own.ok()) << own.status();
  domain::Invoice patch = *own;
  patch.po_number = "hijacked";
  absl::StatusOr<domain::Invoice> updated =
      db_.Run([&](storage::Transaction& tx) { return storage::UpdateInvoice(tx, b_, patch, At(2024, 4, 1), storage::LinesChange::kReplace);
      });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound) << updated.status();
  EXPECT_EQ(db_.Scalar("SELECT po_number || ' v' || version FROM invoices"), " v1");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoice_lines"), "1");
}

// BP-6: a new draft for another company's customer is refused; nothing is
// written.
TEST_F(TenancyTest, OtherCompanyCannotInvoiceCustomer) {
  app::InvoiceDraftInput input;
  input.customer_id = a_customer_;
  input.lines = {{"B's work", "1", domain::Money{"CHF", 100}, ""}};
  absl::StatusOr<domain::Invoice> created =
      db_.Run([&](storage::Transaction& tx) { return app::CreateDraftInvoice(tx, b_, input, At(2024, 4, 1)); });
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument) << created.status();
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoices"), "1");
}

}  // namespace
}  // namespace invoicehub::integration
