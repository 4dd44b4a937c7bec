// The server/app use cases on a real PostgreSQL: what they store, and that a
// refused call (stale version, LC-1, bad customer) changes nothing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/app/api_key_secrets.h"
#include "server/app/company_actions.h"
#include "server/app/customer_actions.h"
#include "server/app/invoice_actions.h"
#include "server/domain/field_errors.h"
#include "server/domain/update_mask.h"
#include "storage/api_key_repository.h"
#include "storage/company_repository.h"
#include "storage/invoice_repository.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using ::testing::Contains;
using ::testing::Field;

const std::set<std::string>& kInvoiceFields = app::kEditableInvoiceFields;
const std::set<std::string> kCompanyFields = {"display_name", "time_zone", "default_currency_code",
                                              "invoice_number_prefix", "address"};

domain::UpdateMask Mask(const std::vector<std::string>& paths, const std::set<std::string>& allowed) {
  domain::FieldErrors errors;
  domain::UpdateMask mask = domain::UpdateMask::Parse(errors, paths, allowed);
  EXPECT_TRUE(errors.empty()) << errors.ToStatus();
  return mask;
}

domain::InvoiceLineInput LineInput(const std::string& description, const std::string& quantity, int64_t price,
                                   const std::string& tax_rate, const std::string& currency = "CHF") {
  return domain::InvoiceLineInput{description, quantity, domain::Money{currency, price}, tax_rate};
}

// --------------------------------------------------------------- companies

// Requirement: CreateCompany issues the first ADMIN key; only the SHA-256 of
// its secret is stored, never the secret (DESIGN: secrets never stored).
TEST(CompanyActions, CreateCompanyStoresOnlyTheHashOfTheAdminSecret) {
  MigratedDatabase db;
  absl::StatusOr<app::CreatedCompany> created = db.Run(
      [](storage::Transaction& tx) { return app::CreateCompany(tx, SampleCompany("Secretive AG"), At(2024, 1, 1)); });
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string& secret = created->admin_key.secret;
  ASSERT_FALSE(secret.empty());
  EXPECT_EQ(created->admin_key.key.role, domain::Role::kAdmin);
  EXPECT_EQ(created->admin_key.key.company_id, created->company.id);
  EXPECT_EQ(app::CompanyIdOfApiKey(secret), created->company.id);

  const std::string key_row = "FROM api_keys WHERE company_id = " + std::to_string(created->company.id) +
                              " AND api_key_id = " + std::to_string(created->admin_key.key.id);
  const std::string stored_hash = db.Scalar("SELECT secret_sha256 " + key_row);
  EXPECT_NE(stored_hash, secret);
  EXPECT_EQ(stored_hash, app::Sha256Hex(secret));
  EXPECT_EQ(db.Scalar("SELECT role " + key_row), "admin");

  // Neither the secret nor its random part appears anywhere in the row.
  const std::string row = db.Scalar("SELECT row_to_json(api_keys)::text " + key_row);
  const std::string prefix = created->admin_key.key.secret_prefix;
  ASSERT_TRUE(secret.starts_with(prefix));
  const std::string random_part = secret.substr(prefix.size());
  ASSERT_GE(random_part.size(), 30u);
  EXPECT_EQ(row.find(secret), std::string::npos) << row;
  EXPECT_EQ(row.find(random_part), std::string::npos) << row;
  // Nor anywhere else in the database.
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies c WHERE row_to_json(c)::text LIKE '%" + random_part + "%'"), "0");

  // The key authenticates by its hash.
  absl::StatusOr<std::optional<domain::ApiKey>> found =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::optional<domain::ApiKey>> {
        return storage::FindActiveApiKeyByHash(tx, created->company.id, app::Sha256Hex(secret));
      });
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, created->admin_key.key.id);
}

// Requirement: a new company may leave out time zone (UTC) and number prefix ("INV-").
TEST(CompanyActions, CreateCompanyAppliesDefaults) {
  MigratedDatabase db;
  domain::Company company = SampleCompany("Defaults AG");
  company.time_zone.clear();
  company.invoice_number_prefix.clear();
  absl::StatusOr<app::CreatedCompany> created =
      db.Run([&](storage::Transaction& tx) { return app::CreateCompany(tx, company, At(2024, 1, 1)); });
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->company.time_zone, "UTC");
  EXPECT_EQ(created->company.invoice_number_prefix, "INV-");
  EXPECT_EQ(created->company.version, 1);
}

// Requirement: INVALID_ARGUMENT lists every field problem, and nothing is written.
TEST(CompanyActions, InvalidCompanyIsRefusedAndNothingIsWritten) {
  MigratedDatabase db;
  domain::Company company = SampleCompany("");
  company.default_currency_code = "XYZ";
  absl::StatusOr<app::CreatedCompany> created =
      db.Run([&](storage::Transaction& tx) { return app::CreateCompany(tx, company, At(2024, 1, 1)); });
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument) << created.status();
  std::vector<domain::FieldViolation> violations = domain::FieldViolationsOf(created.status());
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "company.display_name")));
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "company.default_currency_code")));
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies"), "0");
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM api_keys"), "0");
}

// Requirement (optimistic concurrency): an update naming a stale version is
// ABORTED and the row is unchanged.
TEST(CompanyActions, UpdateCompanyWithStaleVersionIsAbortedAndChangesNothing) {
  MigratedDatabase db;
  int64_t id = AddCompany(db, "Original AG");
  domain::Company patch;
  patch.display_name = "First Edit AG";
  patch.version = 1;
  absl::StatusOr<app::Change<domain::Company>> first = db.Run([&](storage::Transaction& tx) {
    return app::UpdateCompany(tx, id, patch, Mask({"display_name"}, kCompanyFields), At(2024, 2, 1));
  });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->before.version, 1);
  EXPECT_EQ(first->after.version, 2);
  EXPECT_EQ(first->after.display_name, "First Edit AG");
  EXPECT_EQ(first->after.time_zone, "Europe/Zurich");  // outside the mask: kept

  patch.display_name = "Stale Edit AG";
  patch.version = 1;  // what the client read before the first edit
  absl::StatusOr<app::Change<domain::Company>> stale = db.Run([&](storage::Transaction& tx) {
    return app::UpdateCompany(tx, id, patch, Mask({"display_name"}, kCompanyFields), At(2024, 2, 2));
  });
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted) << stale.status();

  const std::string where = " FROM companies WHERE company_id = " + std::to_string(id);
  EXPECT_EQ(db.Scalar("SELECT display_name" + where), "First Edit AG");
  EXPECT_EQ(db.Scalar("SELECT version" + where), "2");
  EXPECT_EQ(db.Scalar("SELECT update_time = '2024-02-01 12:00:00+00'" + where), "t");
}

// Requirement: revoking twice is harmless; the key stays revoked from the first time.
TEST(CompanyActions, RevokeApiKeyTwiceKeepsTheFirstRevokeTime) {
  MigratedDatabase db;
  absl::StatusOr<app::CreatedCompany> created = db.Run(
      [](storage::Transaction& tx) { return app::CreateCompany(tx, SampleCompany("Revoker AG"), At(2024, 1, 1)); });
  ASSERT_TRUE(created.ok()) << created.status();
  const int64_t company_id = created->company.id;
  absl::StatusOr<app::IssuedApiKey> clerk = db.Run([&](storage::Transaction& tx) {
    return app::IssueApiKey(tx, company_id, "clerk key", domain::Role::kClerk, At(2024, 1, 2));
  });
  ASSERT_TRUE(clerk.ok()) << clerk.status();
  EXPECT_NE(clerk->secret, created->admin_key.secret);

  absl::StatusOr<app::Change<domain::ApiKey>> first = db.Run(
      [&](storage::Transaction& tx) { return app::RevokeApiKey(tx, company_id, clerk->key.id, At(2024, 1, 3)); });
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->before.active());
  EXPECT_EQ(first->after.revoke_time, std::optional<absl::Time>(At(2024, 1, 3)));
  absl::StatusOr<app::Change<domain::ApiKey>> second = db.Run(
      [&](storage::Transaction& tx) { return app::RevokeApiKey(tx, company_id, clerk->key.id, At(2024, 1, 4)); });
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->after.revoke_time, std::optional<absl::Time>(At(2024, 1, 3)));
  // The admin key is untouched.
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM api_keys WHERE revoke_time IS NULL"), "1");
}

// ---------------------------------------------------------------- invoices

class InvoiceActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    company_ = AddCompany(db_, "Invoicing AG");
    domain::Customer customer = SampleCustomer("Kunde GmbH", "ap@kunde.example");
    customer.payment_terms_days = 30;
    absl::StatusOr<domain::Customer> stored =
        db_.Run([&](storage::Transaction& tx) { return app::CreateCustomer(tx, company_, customer, At(2024, 1, 2)); });
    ASSERT_TRUE(stored.ok()) << stored.status();
    customer_ = stored->id;
  }

  absl::StatusOr<domain::Invoice> CreateDraft(const app::InvoiceDraftInput& input, absl::Time now = At(2024, 1, 31)) {
    return db_.Run([&](storage::Transaction& tx) { return app::CreateDraftInvoice(tx, company_, input, now); });
  }

  app::InvoiceDraftInput TwoLines() {
    app::InvoiceDraftInput input;
    input.customer_id = customer_;
    input.kind = domain::InvoiceKind::kService;
    input.issue_date = absl::CivilDay(2024, 1, 31);
    input.po_number = "PO-77";
    input.lines = {LineInput("Beratung", "2", 1999, "8.1"), LineInput("Reise", "1.5", 1000, "")};
    return input;
  }

  std::string InvoiceRow(int64_t invoice_id) {
    return db_.Scalar(
        "SELECT concat_ws('|', state, po_number, issue_date, due_date, subtotal_minor, tax_total_minor,"
        " total_minor, applied_minor, outstanding_minor, version, extract(epoch FROM update_time)::bigint,"
        " (SELECT string_agg(line_no || ':' || description || ':' || quantity_e4 || ':' || unit_price_minor,"
        "  ',' ORDER BY line_no) FROM invoice_lines l WHERE l.company_id = i.company_id"
        "  AND l.invoice_id = i.invoice_id)) FROM invoices i WHERE invoice_id = " +
        std::to_string(invoice_id));
  }

  MigratedDatabase db_;
  int64_t company_ = 0;
  int64_t customer_ = 0;
};

// LC-3: a new draft's totals are computed by the server, and its outstanding
// amount equals its total; the due date is issue date + payment terms.
TEST_F(InvoiceActionsTest, CreateDraftComputesTotalsAndDueDate) {
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(TwoLines());
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  EXPECT_EQ(invoice->state, domain::InvoiceState::kDraft);
  EXPECT_EQ(invoice->currency_code, "CHF");
  EXPECT_EQ(invoice->number, "");  // LC-2: numbered only when finalized
  ASSERT_EQ(invoice->lines.size(), 2u);
  EXPECT_EQ(invoice->lines[0].net_minor, 3998);  // 2 x 19.99
  EXPECT_EQ(invoice->lines[0].tax_minor, 324);   // 8.1% of 39.98 = 3.23838, rounded
  EXPECT_EQ(invoice->lines[1].net_minor, 1500);  // 1.5 x 10.00
  EXPECT_EQ(invoice->lines[1].tax_minor, 0);
  EXPECT_EQ(invoice->subtotal_minor, 5498);
  EXPECT_EQ(invoice->tax_total_minor, 324);
  EXPECT_EQ(invoice->total_minor, 5822);
  EXPECT_EQ(invoice->applied_minor, 0);
  EXPECT_EQ(invoice->outstanding_minor, invoice->total_minor);  // LC-3
  EXPECT_EQ(invoice->issue_date, absl::CivilDay(2024, 1, 31));
  EXPECT_EQ(invoice->due_date, absl::CivilDay(2024, 3, 1));  // + 30 days, across a leap February

  // As stored, not just as returned.
  EXPECT_EQ(InvoiceRow(invoice->id),
            "draft|PO-77|2024-01-31|2024-03-01|5498|324|5822|0|5822|1|1706702400|"
            "1:Beratung:20000:1999,2:Reise:15000:1000");
}

// The issue date defaults to today in the company's time zone, the due date
// to issue date + the customer's payment terms.
TEST_F(InvoiceActionsTest, CreateDraftDefaultsIssueDateToTodayInCompanyZone) {
  // 23:30 UTC on 31 Jan is already 1 Feb in Zurich.
  app::InvoiceDraftInput input = TwoLines();
  input.issue_date.reset();
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(input, At(2024, 1, 31, 23, 30));
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  EXPECT_EQ(invoice->issue_date, absl::CivilDay(2024, 2, 1));
  EXPECT_EQ(invoice->due_date, absl::CivilDay(2024, 3, 2));
}

// Requirement: a client-given due date wins over issue date + payment terms.
TEST_F(InvoiceActionsTest, CreateDraftKeepsAnExplicitDueDate) {
  app::InvoiceDraftInput input = TwoLines();
  input.due_date = absl::CivilDay(2024, 2, 10);
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(input);
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  EXPECT_EQ(invoice->due_date, absl::CivilDay(2024, 2, 10));
}

// BP-6: a draft for another company's customer is INVALID_ARGUMENT on
// customer_id, and nothing is written.
TEST_F(InvoiceActionsTest, CreateDraftForAnotherCompanysCustomerIsRefused) {
  int64_t other_company = AddCompany(db_, "Other AG");
  int64_t foreign_customer = AddCustomer(db_, other_company, "Foreign customer");
  app::InvoiceDraftInput input = TwoLines();
  input.customer_id = foreign_customer;
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(input);
  EXPECT_EQ(invoice.status().code(), absl::StatusCode::kInvalidArgument) << invoice.status();
  EXPECT_THAT(domain::FieldViolationsOf(invoice.status()),
              Contains(Field(&domain::FieldViolation::field, "customer_id")));
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoices"), "0");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoice_lines"), "0");
}

// Requirement: INVALID_ARGUMENT with every field problem listed (one invoice, one currency); nothing written.
TEST_F(InvoiceActionsTest, CreateDraftWithBadLinesListsEveryProblemAndWritesNothing) {
  app::InvoiceDraftInput input = TwoLines();
  input.lines = {LineInput("", "1", 100, ""), LineInput("ok", "-1", 100, "101"), LineInput("eur", "1", 100, "", "EUR")};
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(input);
  EXPECT_EQ(invoice.status().code(), absl::StatusCode::kInvalidArgument) << invoice.status();
  std::vector<domain::FieldViolation> violations = domain::FieldViolationsOf(invoice.status());
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "lines[0].description")));
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "lines[1].quantity")));
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "lines[1].tax_rate_percent")));
  EXPECT_THAT(violations, Contains(Field(&domain::FieldViolation::field, "lines[2].unit_price.currency_code")));
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoices"), "0");
}

// LC-1 / LC-3: a draft's lines can be replaced; totals are recomputed.
TEST_F(InvoiceActionsTest, UpdateDraftReplacesLinesAndRecomputesTotals) {
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(TwoLines());
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  app::InvoiceDraftInput input;
  input.lines = {LineInput("Neu", "3", 500, "10")};
  absl::StatusOr<app::Change<domain::Invoice>> updated = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, invoice->id, invoice->version, input, Mask({"lines"}, kInvoiceFields),
                                   At(2024, 2, 1));
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->before.total_minor, 5822);
  EXPECT_EQ(updated->after.total_minor, 1650);
  EXPECT_EQ(updated->after.outstanding_minor, 1650);
  EXPECT_EQ(updated->after.version, 2);
  EXPECT_EQ(updated->after.po_number, "PO-77");  // outside the mask: kept
  EXPECT_EQ(db_.Scalar("SELECT string_agg(description, ',') FROM invoice_lines"), "Neu");
}

// Requirement (optimistic concurrency): a stale version is ABORTED; nothing changes.
TEST_F(InvoiceActionsTest, UpdateDraftWithStaleVersionIsAbortedAndChangesNothing) {
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(TwoLines());
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  const std::string before = InvoiceRow(invoice->id);
  app::InvoiceDraftInput input;
  input.po_number = "PO-stale";
  absl::StatusOr<app::Change<domain::Invoice>> updated = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, invoice->id, invoice->version + 1, input,
                                   Mask({"po_number"}, kInvoiceFields), At(2024, 2, 1));
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted) << updated.status();
  EXPECT_EQ(InvoiceRow(invoice->id), before);
}

// LC-1: lines, totals and tax are editable only in DRAFT and REISSUE:
// editing a FINAL or VOID invoice is FAILED_PRECONDITION naming LC-1, and
// changes nothing.
class NotEditableTest : public InvoiceActionsTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(NotEditableTest, UpdateOfFinalOrVoidInvoiceIsRefusedByLc1) {
  absl::StatusOr<domain::Invoice> invoice = CreateDraft(TwoLines());
  ASSERT_TRUE(invoice.ok()) << invoice.status();
  testing::ExecSql(
      db_.url(), "UPDATE invoices SET state = '" + GetParam() +
                     "', number = 'T-' || invoice_id, outstanding_minor = CASE WHEN '" + GetParam() +
                     "' = 'void' THEN 0 ELSE outstanding_minor END WHERE invoice_id = " +
                     std::to_string(invoice->id));
  const std::string before = InvoiceRow(invoice->id);

  app::InvoiceDraftInput input;
  input.po_number = "PO-changed";
  input.lines = {LineInput("Sneaky", "100", 100000, "")};
  absl::StatusOr<app::Change<domain::Invoice>> updated = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, invoice->id, invoice->version, input,
                                   Mask({"lines", "po_number"}, kInvoiceFields), At(2024, 2, 1));
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kFailedPrecondition) << updated.status();
  EXPECT_EQ(domain::RuleOf(updated.status()), "LC-1");
  EXPECT_EQ(InvoiceRow(invoice->id), before);
}

INSTANTIATE_TEST_SUITE_P(States, NotEditableTest, ::testing::Values("final", "void"));

// Requirement: an unknown invoice id is NOT_FOUND.
TEST_F(InvoiceActionsTest, UpdateDraftOfMissingInvoiceIsNotFound) {
  app::InvoiceDraftInput input;
  absl::StatusOr<app::Change<domain::Invoice>> updated = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, 123456, 1, input, Mask({"po_number"}, kInvoiceFields), At(2024, 2, 1));
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kNotFound) << updated.status();
}

// --------------------------------------------------------------- customers

// Requirement: a customer without a currency takes the company's default.
TEST(CustomerActions, CreateCustomerTakesCompanyCurrencyWhenEmpty) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Currency AG");  // CHF
  domain::Customer customer = SampleCustomer("No Currency", "ap@nc.example");
  customer.currency_code.clear();
  absl::StatusOr<domain::Customer> stored =
      db.Run([&](storage::Transaction& tx) { return app::CreateCustomer(tx, company_id, customer, At(2024, 1, 2)); });
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->currency_code, "CHF");
  EXPECT_EQ(db.Scalar("SELECT currency_code FROM customers"), "CHF");
}

// Requirement (optimistic concurrency): a stale version is ABORTED; nothing changes.
TEST(CustomerActions, UpdateCustomerWithStaleVersionIsAbortedAndChangesNothing) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Stale Customers AG");
  int64_t customer_id = AddCustomer(db, company_id, "Kept Name");
  domain::Customer patch = SampleCustomer("Lost Edit", "x@y.example");
  patch.id = customer_id;
  patch.version = 7;
  absl::StatusOr<app::Change<domain::Customer>> updated = db.Run([&](storage::Transaction& tx) {
    return app::UpdateCustomer(tx, company_id, patch, Mask({"display_name"}, {"display_name"}), At(2024, 2, 1));
  });
  EXPECT_EQ(updated.status().code(), absl::StatusCode::kAborted) << updated.status();
  EXPECT_EQ(db.Scalar("SELECT display_name || ' v' || version FROM customers"), "Kept Name v1");
}

}  // namespace
}  // namespace invoicehub::integration
