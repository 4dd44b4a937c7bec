// Repository round trips against a real PostgreSQL: what is stored is what is
// read back, lists page and filter as documented, lines stay with their
// invoice, and the audit log keeps every entry in order.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/domain/api_key.h"
#include "server/domain/invoice.h"
#include "storage/api_key_repository.h"
#include "storage/audit_log.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"
#include "server/domain/status_macros.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// ---------------------------------------------------------------- companies

// Requirement: company fields round-trip exactly: Unicode text, address, microsecond times.
TEST(CompanyRepository, RoundTripKeepsUnicodeAndAddress) {
  MigratedDatabase db;
  domain::Company company = SampleCompany("Zürich Ærø 株式会社");
  company.time_zone = "Asia/Tokyo";
  company.default_currency_code = "JPY";
  company.invoice_number_prefix = "ZA-";
  company.address.address_lines = {"Bahnhofstrasse 1", "c/o Ærø 株式会社"};
  company.address.locality = "Zürich";
  company.address.administrative_area = "ZH";
  company.address.postal_code = "8001";
  company.address.region_code = "CH";
  const absl::Time now = absl::FromUnixMicros(1714557600123456);  // microsecond precision survives

  absl::StatusOr<domain::Company> inserted =
      db.Run([&](storage::Transaction& tx) { return storage::InsertCompany(tx, company, now); });
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_GT(inserted->id, 0);

  absl::StatusOr<domain::Company> found =
      db.Run([&](storage::Transaction& tx) { return storage::FindCompany(tx, inserted->id); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id, inserted->id);
  EXPECT_EQ(found->display_name, "Zürich Ærø 株式会社");
  EXPECT_EQ(found->time_zone, "Asia/Tokyo");
  EXPECT_EQ(found->default_currency_code, "JPY");
  EXPECT_EQ(found->invoice_number_prefix, "ZA-");
  EXPECT_EQ(found->address, company.address);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->create_time, now);
  EXPECT_EQ(found->update_time, now);
  // Stored as UTF-8 text, not escaped bytes.
  EXPECT_EQ(db.Scalar("SELECT char_length(display_name) FROM companies"), "15");
}

// Requirement (optimistic concurrency): every update bumps the version.
TEST(CompanyRepository, UpdateBumpsVersionAndKeepsCreateTime) {
  MigratedDatabase db;
  int64_t id = AddCompany(db, "Before AG");
  absl::StatusOr<domain::Company> updated = db.Run([&](storage::Transaction& tx) -> absl::StatusOr<domain::Company> {
    absl::StatusOr<domain::Company> current = storage::FindCompany(tx, id, storage::LockMode::kForUpdate);
    if (!current.ok()) return current.status();
    current->display_name = "After AG";
    current->address.locality = "Genève";
    return storage::UpdateCompany(tx, *current, At(2024, 6, 1));
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name, "After AG");
  EXPECT_EQ(updated->address.locality, "Genève");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->create_time, At(2024, 1, 1));
  EXPECT_EQ(updated->update_time, At(2024, 6, 1));
}

// Requirement: an unknown company id is NOT_FOUND.
TEST(CompanyRepository, FindMissingCompanyIsNotFound) {
  MigratedDatabase db;
  absl::StatusOr<domain::Company> found =
      db.Run([](storage::Transaction& tx) { return storage::FindCompany(tx, 424242); });
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
}

// ----------------------------------------------------------------- API keys

domain::ApiKey NewKey(int64_t company_id, const std::string& name, domain::Role role) {
  domain::ApiKey key;
  key.company_id = company_id;
  key.display_name = name;
  key.role = role;
  key.secret_prefix = "ih_" + std::to_string(company_id) + "_abcdef";
  return key;
}

// Requirement: keys are stored by secret hash and found by it (auth looks up the hash).
TEST(ApiKeyRepository, InsertFindAndFindByHash) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Keys AG");
  absl::StatusOr<domain::ApiKey> inserted = db.Run([&](storage::Transaction& tx) {
    return storage::InsertApiKey(tx, NewKey(company_id, "ci robot", domain::Role::kClerk), "hash-1", At(2024, 2, 1));
  });
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_GT(inserted->id, 0);
  EXPECT_EQ(inserted->company_id, company_id);
  EXPECT_EQ(inserted->display_name, "ci robot");
  EXPECT_EQ(inserted->role, domain::Role::kClerk);
  EXPECT_EQ(inserted->secret_prefix, "ih_" + std::to_string(company_id) + "_abcdef");
  EXPECT_EQ(inserted->create_time, At(2024, 2, 1));
  EXPECT_TRUE(inserted->active());

  absl::StatusOr<domain::ApiKey> by_id =
      db.Run([&](storage::Transaction& tx) { return storage::FindApiKey(tx, company_id, inserted->id); });
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->display_name, "ci robot");

  absl::StatusOr<std::optional<domain::ApiKey>> by_hash =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::optional<domain::ApiKey>> {
        return storage::FindActiveApiKeyByHash(tx, company_id, "hash-1");
      });
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  ASSERT_TRUE(by_hash->has_value());
  EXPECT_EQ((*by_hash)->id, inserted->id);

  absl::StatusOr<std::optional<domain::ApiKey>> wrong_hash =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::optional<domain::ApiKey>> {
        return storage::FindActiveApiKeyByHash(tx, company_id, "hash-2");
      });
  ASSERT_TRUE(wrong_hash.ok());
  EXPECT_FALSE(wrong_hash->has_value());
}

// Requirement: revoking keeps the first revoke time; a revoked key no longer authenticates.
TEST(ApiKeyRepository, RevokeKeepsFirstRevokeTimeAndHidesKeyFromHashLookup) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Revoke AG");
  absl::StatusOr<domain::ApiKey> key = db.Run([&](storage::Transaction& tx) {
    return storage::InsertApiKey(tx, NewKey(company_id, "old", domain::Role::kAdmin), "hash-old", At(2024, 2, 1));
  });
  ASSERT_TRUE(key.ok()) << key.status();

  absl::StatusOr<domain::ApiKey> first =
      db.Run([&](storage::Transaction& tx) { return storage::RevokeApiKey(tx, company_id, key->id, At(2024, 3, 1)); });
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->revoke_time.has_value());
  EXPECT_EQ(*first->revoke_time, At(2024, 3, 1));
  EXPECT_FALSE(first->active());

  absl::StatusOr<domain::ApiKey> second =
      db.Run([&](storage::Transaction& tx) { return storage::RevokeApiKey(tx, company_id, key->id, At(2024, 4, 1)); });
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->revoke_time.has_value());
  EXPECT_EQ(*second->revoke_time, At(2024, 3, 1));  // the first revoke time stays

  absl::StatusOr<std::optional<domain::ApiKey>> by_hash =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::optional<domain::ApiKey>> {
        return storage::FindActiveApiKeyByHash(tx, company_id, "hash-old");
      });
  ASSERT_TRUE(by_hash.ok());
  EXPECT_FALSE(by_hash->has_value());

  // Still listed (and findable by id) as revoked.
  absl::StatusOr<std::vector<domain::ApiKey>> listed =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::vector<domain::ApiKey>> {
        return storage::ListApiKeys(tx, company_id);
      });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().revoke_time, std::optional<absl::Time>(At(2024, 3, 1)));
}

// Requirement: revoking an unknown key is NOT_FOUND.
TEST(ApiKeyRepository, RevokeMissingKeyIsNotFound) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Nokey AG");
  absl::StatusOr<domain::ApiKey> revoked =
      db.Run([&](storage::Transaction& tx) { return storage::RevokeApiKey(tx, company_id, 99999, At(2024, 3, 1)); });
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kNotFound) << revoked.status();
}

// Requirement: keys list in id order with their roles.
TEST(ApiKeyRepository, ListIsInCreationOrderWithRoles) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "List Keys AG");
  absl::Status status = db.RunStatus([&](storage::Transaction& tx) {
    for (auto [name, role] : std::vector<std::pair<std::string, domain::Role>>{
             {"a", domain::Role::kAdmin}, {"c", domain::Role::kClerk}, {"v", domain::Role::kViewer}}) {
      absl::Status s =
          storage::InsertApiKey(tx, NewKey(company_id, name, role), "hash-" + name, NextCreateTime()).status();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  absl::StatusOr<std::vector<domain::ApiKey>> listed =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::vector<domain::ApiKey>> {
        return storage::ListApiKeys(tx, company_id);
      });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 3u);
  EXPECT_EQ((*listed)[0].role, domain::Role::kAdmin);
  EXPECT_EQ((*listed)[1].role, domain::Role::kClerk);
  EXPECT_EQ((*listed)[2].role, domain::Role::kViewer);
  EXPECT_LT((*listed)[0].create_time, (*listed)[1].create_time);
  EXPECT_LT((*listed)[1].create_time, (*listed)[2].create_time);
}

// ---------------------------------------------------------------- customers

storage::CustomerFilter Filter(const std::string& name_contains, const std::string& email = "") {
  storage::CustomerFilter filter;
  filter.name_contains = name_contains;
  filter.email = email;
  return filter;
}
storage::CustomerFilter EmailIs(const std::string& email) { return Filter("", email); }

std::vector<std::string> Names(const std::vector<domain::Customer>& customers) {
  std::vector<std::string> names;
  for (const domain::Customer& c : customers) names.push_back(c.display_name);
  return names;
}

class CustomerRepositoryTest : public ::testing::Test {
 protected:
  std::vector<domain::Customer> List(const storage::CustomerFilter& filter, storage::ListCursor after = {},
                                     int limit = 100) {
    absl::StatusOr<std::vector<domain::Customer>> listed =
        db_.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::vector<domain::Customer>> {
          return storage::ListCustomers(tx, company_id_, filter, after, limit);
        });
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<domain::Customer>{};
  }

  MigratedDatabase db_;
  int64_t company_id_ = AddCompany(db_, "Customers AG");
};

// Requirement: customer fields round-trip exactly (Unicode, address, terms, delivery).
TEST_F(CustomerRepositoryTest, RoundTripKeepsEveryField) {
  domain::Customer customer = SampleCustomer("Müller & Söhne 株式会社", "Buchhaltung@Mueller.example");
  customer.billing_address.address_lines = {"Seestrasse 5"};
  customer.billing_address.locality = "Küsnacht";
  customer.billing_address.postal_code = "8700";
  customer.billing_address.region_code = "CH";
  customer.currency_code = "EUR";
  customer.payment_terms_days = 45;
  customer.delivery_preference = domain::DeliveryPreference::kMail;
  absl::StatusOr<domain::Customer> inserted = db_.Run(
      [&](storage::Transaction& tx) { return storage::InsertCustomer(tx, company_id_, customer, At(2024, 2, 3)); });
  ASSERT_TRUE(inserted.ok()) << inserted.status();

  absl::StatusOr<domain::Customer> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindCustomer(tx, company_id_, inserted->id); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->display_name, customer.display_name);
  EXPECT_EQ(found->email, "Buchhaltung@Mueller.example");
  EXPECT_EQ(found->billing_address, customer.billing_address);
  EXPECT_EQ(found->currency_code, "EUR");
  EXPECT_EQ(found->payment_terms_days, 45);
  EXPECT_EQ(found->delivery_preference, domain::DeliveryPreference::kMail);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->create_time, At(2024, 2, 3));
}

// Requirement: lists page by a (create_time, id) cursor and limit, in creation order.
TEST_F(CustomerRepositoryTest, ListPagesWithCursorAndLimit) {
  for (const char* name : {"c1", "c2", "c3", "c4", "c5"}) AddCustomer(db_, company_id_, name);

  auto after = [](const domain::Customer& c) { return storage::ListCursor{absl::ToUnixMicros(c.create_time), c.id}; };
  std::vector<domain::Customer> page1 = List({}, {}, 2);
  EXPECT_THAT(Names(page1), ElementsAre("c1", "c2"));
  std::vector<domain::Customer> page2 = List({}, after(page1.back()), 2);
  EXPECT_THAT(Names(page2), ElementsAre("c3", "c4"));
  std::vector<domain::Customer> page3 = List({}, after(page2.back()), 2);
  EXPECT_THAT(Names(page3), ElementsAre("c5"));
  EXPECT_THAT(List({}, after(page3.back()), 2), IsEmpty());
  EXPECT_THAT(Names(List({}, after(page1.back()), 100)), ElementsAre("c3", "c4", "c5"));
}

// Requirement: name_contains is a case-insensitive substring match.
TEST_F(CustomerRepositoryTest, NameContainsIsCaseInsensitiveSubstring) {
  AddCustomer(db_, company_id_, "Acme Corporation");
  AddCustomer(db_, company_id_, "Globex");
  AddCustomer(db_, company_id_, "ACME Labs");
  EXPECT_THAT(Names(List(Filter("acme"))), ElementsAre("Acme Corporation", "ACME Labs"));
  EXPECT_THAT(Names(List(Filter("ORAT"))), ElementsAre("Acme Corporation"));
  EXPECT_THAT(List(Filter("Initech")), IsEmpty());
}

// Requirement: name_contains matches %, _ and backslash literally (a customer named "100%" matches itself only).
TEST_F(CustomerRepositoryTest, NameContainsTreatsPercentUnderscoreAndBackslashLiterally) {
  AddCustomer(db_, company_id_, "100% Organic");
  AddCustomer(db_, company_id_, "100 Percent Natural");
  AddCustomer(db_, company_id_, "A_B Trading");
  AddCustomer(db_, company_id_, "AXB Trading");
  AddCustomer(db_, company_id_, "Back\\Slash GmbH");
  AddCustomer(db_, company_id_, "Backslash GmbH");
  EXPECT_THAT(Names(List(Filter("100%"))), ElementsAre("100% Organic"));
  EXPECT_THAT(Names(List(Filter("%"))), ElementsAre("100% Organic"));
  EXPECT_THAT(Names(List(Filter("a_b"))), ElementsAre("A_B Trading"));
  EXPECT_THAT(Names(List(Filter("_"))), ElementsAre("A_B Trading"));
  EXPECT_THAT(Names(List(Filter("k\\s"))), ElementsAre("Back\\Slash GmbH"));
}

// Requirement: the email filter is a case-insensitive exact match, not a pattern.
TEST_F(CustomerRepositoryTest, EmailFilterIsCaseInsensitiveExactMatch) {
  AddCustomer(db_, company_id_, "Mixed", "Billing@Example.COM");
  AddCustomer(db_, company_id_, "Other", "billing@example.com.au");
  AddCustomer(db_, company_id_, "Third", "ap@example.com");
  EXPECT_THAT(Names(List(EmailIs("billing@example.com"))), ElementsAre("Mixed"));
  EXPECT_THAT(Names(List(EmailIs("BILLING@EXAMPLE.COM"))), ElementsAre("Mixed"));
  EXPECT_THAT(List(EmailIs("billing@example")), IsEmpty());
  EXPECT_THAT(List(EmailIs("%@example.com")), IsEmpty());
  // Both filters together.
  EXPECT_THAT(Names(List(Filter("mix", "billing@example.com"))), ElementsAre("Mixed"));
  EXPECT_THAT(List(Filter("other", "billing@example.com")), IsEmpty());
}

// Requirement (optimistic concurrency): every update bumps the version.
TEST_F(CustomerRepositoryTest, UpdateBumpsVersion) {
  int64_t id = AddCustomer(db_, company_id_, "Old Name");
  absl::StatusOr<domain::Customer> updated = db_.Run([&](storage::Transaction& tx) -> absl::StatusOr<domain::Customer> {
    absl::StatusOr<domain::Customer> current = storage::FindCustomer(tx, company_id_, id);
    if (!current.ok()) return current.status();
    current->display_name = "New Name";
    current->payment_terms_days = 10;
    return storage::UpdateCustomer(tx, company_id_, *current, At(2024, 7, 1));
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name, "New Name");
  EXPECT_EQ(updated->payment_terms_days, 10);
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->update_time, At(2024, 7, 1));
}

// ----------------------------------------------------------------- invoices

// An invoice filter; 0 / nullopt leave a criterion out.
storage::InvoiceFilter Where(int64_t customer_id, std::optional<domain::InvoiceState> state = std::nullopt,
                             std::optional<absl::CivilDay> from = std::nullopt,
                             std::optional<absl::CivilDay> to = std::nullopt) {
  storage::InvoiceFilter filter;
  filter.customer_id = customer_id;
  filter.state = state;
  filter.issued_from = from;
  filter.issued_to = to;
  return filter;
}
constexpr int64_t kAnyCustomer = 0;
constexpr std::optional<domain::InvoiceState> kAnyState = std::nullopt;

domain::InvoiceLine Line(const std::string& description, int64_t quantity_e4, int64_t price, int64_t rate_e3) {
  domain::InvoiceLine line;
  line.description = description;
  line.quantity_e4 = quantity_e4;
  line.unit_price_minor = price;
  line.tax_rate_e3 = rate_e3;
  return line;
}

std::vector<std::string> Descriptions(const domain::Invoice& invoice) {
  std::vector<std::string> out;
  for (const domain::InvoiceLine& line : invoice.lines) out.push_back(line.description);
  return out;
}

class InvoiceRepositoryTest : public ::testing::Test {
 protected:
  // Stores a draft with computed totals (LC-3).
  domain::Invoice Add(int64_t customer_id, absl::CivilDay issue, std::vector<domain::InvoiceLine> lines,
                      domain::InvoiceState state = domain::InvoiceState::kDraft) {
    domain::Invoice invoice;
    invoice.customer_id = customer_id;
    invoice.kind = domain::InvoiceKind::kService;
    invoice.issue_date = issue;
    invoice.due_date = issue + 30;
    invoice.po_number = "PO-" + std::to_string(issue.day());
    invoice.currency_code = "CHF";
    invoice.lines = std::move(lines);
    EXPECT_TRUE(domain::ComputeTotals(invoice).ok());
    // Invoices are created as drafts; another state takes a number (LC-2).
    absl::StatusOr<domain::Invoice> stored = db_.Run([&](storage::Transaction& tx) -> absl::StatusOr<domain::Invoice> {
      ASSIGN_OR_RETURN(domain::Invoice draft, storage::InsertInvoice(tx, company_id_, invoice, NextCreateTime()));
      if (state == domain::InvoiceState::kDraft) return draft;
      draft.state = state;
      draft.number = "T-" + std::to_string(draft.id);
      return storage::UpdateInvoice(tx, company_id_, draft, NextCreateTime(), storage::LinesChange::kKeep);
    });
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : domain::Invoice{};
  }

  std::vector<domain::Invoice> List(const storage::InvoiceFilter& filter, storage::ListCursor after = {},
                                    int limit = 100) {
    absl::StatusOr<std::vector<domain::Invoice>> listed =
        db_.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::vector<domain::Invoice>> {
          return storage::ListInvoices(tx, company_id_, filter, after, limit);
        });
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<domain::Invoice>{};
  }

  static std::vector<int64_t> Ids(const std::vector<domain::Invoice>& invoices) {
    std::vector<int64_t> ids;
    for (const domain::Invoice& i : invoices) ids.push_back(i.id);
    return ids;
  }

  MigratedDatabase db_;
  int64_t company_id_ = AddCompany(db_, "Invoices AG");
  int64_t alice_ = AddCustomer(db_, company_id_, "Alice");
  int64_t bob_ = AddCustomer(db_, company_id_, "Bob");
};

// LC-3: totals as computed are stored and read back; lines keep their order.
TEST_F(InvoiceRepositoryTest, RoundTripKeepsLineOrderAndTotals) {
  domain::Invoice stored = Add(alice_, absl::CivilDay(2024, 3, 15),
                               {Line("zeta", 20000, 1999, 8100), Line("alpha", 15000, 1000, 0),
                                Line("Müller 株式会社 consulting", 1, 333, 2500)});
  ASSERT_GT(stored.id, 0);

  absl::StatusOr<domain::Invoice> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, company_id_, stored.id); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(Descriptions(*found), ElementsAre("zeta", "alpha", "Müller 株式会社 consulting"));
  ASSERT_EQ(found->lines.size(), 3u);
  EXPECT_EQ(found->lines[0], stored.lines[0]);
  EXPECT_EQ(found->lines[1], stored.lines[1]);
  EXPECT_EQ(found->lines[2], stored.lines[2]);
  EXPECT_EQ(found->lines[0].net_minor, 3998);
  EXPECT_EQ(found->lines[0].tax_minor, 324);
  EXPECT_EQ(found->subtotal_minor, stored.subtotal_minor);
  EXPECT_EQ(found->tax_total_minor, stored.tax_total_minor);
  EXPECT_EQ(found->total_minor, stored.total_minor);
  EXPECT_EQ(found->total_minor, found->subtotal_minor + found->tax_total_minor);
  EXPECT_EQ(found->applied_minor, 0);
  EXPECT_EQ(found->outstanding_minor, found->total_minor);  // LC-3
  EXPECT_EQ(found->customer_id, alice_);
  EXPECT_EQ(found->state, domain::InvoiceState::kDraft);
  EXPECT_EQ(found->kind, domain::InvoiceKind::kService);
  EXPECT_EQ(found->issue_date, absl::CivilDay(2024, 3, 15));
  EXPECT_EQ(found->due_date, absl::CivilDay(2024, 4, 14));
  EXPECT_EQ(found->po_number, "PO-15");
  EXPECT_EQ(found->currency_code, "CHF");
  EXPECT_EQ(found->number, "");
  EXPECT_EQ(found->version, 1);
}

// LC-1 / LC-3: an update replaces all lines in the new order, with its totals.
TEST_F(InvoiceRepositoryTest, UpdateReplacesLinesInNewOrderAndBumpsVersion) {
  domain::Invoice stored =
      Add(alice_, absl::CivilDay(2024, 3, 15), {Line("a", 10000, 100, 0), Line("b", 10000, 200, 0)});
  domain::Invoice next = stored;
  next.lines = {Line("c", 10000, 300, 0), Line("a", 20000, 100, 0), Line("d", 10000, 1, 0)};
  ASSERT_TRUE(domain::ComputeTotals(next).ok());
  absl::StatusOr<domain::Invoice> updated =
      db_.Run([&](storage::Transaction& tx) { return storage::UpdateInvoice(tx, company_id_, next, At(2024, 3, 2), storage::LinesChange::kReplace);
      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_THAT(Descriptions(*updated), ElementsAre("c", "a", "d"));
  EXPECT_EQ(updated->total_minor, 501);
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoice_lines"), "3");
}

// Requirement: listing several invoices attaches each line to its own invoice only.
TEST_F(InvoiceRepositoryTest, ListAttachesLinesToTheRightInvoice) {
  domain::Invoice one =
      Add(alice_, absl::CivilDay(2024, 3, 1), {Line("one-a", 10000, 1, 0), Line("one-b", 10000, 2, 0)});
  domain::Invoice two = Add(bob_, absl::CivilDay(2024, 3, 2), {Line("two-a", 10000, 3, 0)});
  domain::Invoice three =
      Add(alice_, absl::CivilDay(2024, 3, 3),
          {Line("three-c", 10000, 4, 0), Line("three-b", 10000, 5, 0), Line("three-a", 10000, 6, 0)});

  std::vector<domain::Invoice> all = List({});
  ASSERT_EQ(Ids(all), (std::vector<int64_t>{one.id, two.id, three.id}));
  EXPECT_THAT(Descriptions(all[0]), ElementsAre("one-a", "one-b"));
  EXPECT_THAT(Descriptions(all[1]), ElementsAre("two-a"));
  EXPECT_THAT(Descriptions(all[2]), ElementsAre("three-c", "three-b", "three-a"));
  EXPECT_EQ(all[2].total_minor, 15);

  // Alice's invoices skip Bob's one in between; its lines must not leak in.
  std::vector<domain::Invoice> alice = List(Where(alice_));
  ASSERT_EQ(Ids(alice), (std::vector<int64_t>{one.id, three.id}));
  EXPECT_THAT(Descriptions(alice[0]), ElementsAre("one-a", "one-b"));
  EXPECT_THAT(Descriptions(alice[1]), ElementsAre("three-c", "three-b", "three-a"));

  // A page of one keeps only that invoice's lines.
  std::vector<domain::Invoice> page = List({}, {absl::ToUnixMicros(one.create_time), one.id}, 1);
  ASSERT_EQ(Ids(page), (std::vector<int64_t>{two.id}));
  EXPECT_THAT(Descriptions(page[0]), ElementsAre("two-a"));
}

// Requirement: invoice lists filter by customer, state and an inclusive issue-date range.
TEST_F(InvoiceRepositoryTest, ListFiltersByCustomerStateAndInclusiveDateRange) {
  domain::Invoice feb = Add(alice_, absl::CivilDay(2024, 2, 29), {Line("x", 10000, 1, 0)});
  domain::Invoice mar1 = Add(alice_, absl::CivilDay(2024, 3, 1), {Line("x", 10000, 1, 0)});
  domain::Invoice mar31 =
      Add(bob_, absl::CivilDay(2024, 3, 31), {Line("x", 10000, 1, 0)}, domain::InvoiceState::kFinal);
  domain::Invoice apr = Add(bob_, absl::CivilDay(2024, 4, 1), {Line("x", 10000, 1, 0)});

  using domain::InvoiceState;
  EXPECT_EQ(Ids(List(Where(bob_))), (std::vector<int64_t>{mar31.id, apr.id}));
  EXPECT_EQ(Ids(List(Where(kAnyCustomer, InvoiceState::kFinal))), (std::vector<int64_t>{mar31.id}));
  EXPECT_EQ(Ids(List(Where(kAnyCustomer, InvoiceState::kDraft))), (std::vector<int64_t>{feb.id, mar1.id, apr.id}));
  EXPECT_THAT(List(Where(kAnyCustomer, InvoiceState::kVoid)), IsEmpty());
  EXPECT_EQ(Ids(List(Where(kAnyCustomer, kAnyState, absl::CivilDay(2024, 3, 1), absl::CivilDay(2024, 3, 31)))),
            (std::vector<int64_t>{mar1.id, mar31.id}));
  EXPECT_EQ(Ids(List(Where(kAnyCustomer, kAnyState, absl::CivilDay(2024, 3, 31)))),
            (std::vector<int64_t>{mar31.id, apr.id}));
  EXPECT_EQ(Ids(List(Where(kAnyCustomer, kAnyState, std::nullopt, absl::CivilDay(2024, 2, 29)))),
            (std::vector<int64_t>{feb.id}));
  EXPECT_EQ(Ids(List(Where(alice_, InvoiceState::kDraft, absl::CivilDay(2024, 3, 1)))),
            (std::vector<int64_t>{mar1.id}));
  EXPECT_THAT(List(Where(bob_, InvoiceState::kDraft, std::nullopt, absl::CivilDay(2024, 3, 31))), IsEmpty());
}

// Requirement: an unknown invoice id is NOT_FOUND.
TEST_F(InvoiceRepositoryTest, FindMissingInvoiceIsNotFound) {
  absl::StatusOr<domain::Invoice> found =
      db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, company_id_, 777777); });
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound) << found.status();
}

// ---------------------------------------------------------------- audit log

// Requirement (DESIGN: every state change writes an audit entry: who, when, from, to): entries round-trip, oldest
// first, per entity.
TEST(AuditLog, AppendThenListOldestFirstForOneEntity) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Audit AG");
  storage::AuditEntry created{.company_id = company_id,
                              .actor = "operator",
                              .action = "CreateCustomer",
                              .entity_type = "customer",
                              .entity_id = 7,
                              .request_id = "req-1",
                              .before_json = "",
                              .after_json = R"({"display_name":"Zürich Ærø 株式会社","version":1})",
                              .occurred_at = At(2024, 5, 1, 9)};
  storage::AuditEntry updated = created;
  updated.actor = "api_key:3";
  updated.action = "UpdateCustomer";
  updated.request_id = "";
  updated.before_json = created.after_json;
  updated.after_json = R"({"display_name":"Neu","version":2})";
  updated.occurred_at = At(2024, 5, 1, 10);
  storage::AuditEntry other_entity = created;
  other_entity.entity_id = 8;
  storage::AuditEntry other_type = created;
  other_type.entity_type = "invoice";

  absl::Status appended = db.RunStatus([&](storage::Transaction& tx) {
    storage::AppendAudit(tx, created);
    storage::AppendAudit(tx, other_entity);
    storage::AppendAudit(tx, updated);
    storage::AppendAudit(tx, other_type);
    return absl::OkStatus();
  });
  ASSERT_TRUE(appended.ok()) << appended;

  absl::StatusOr<std::vector<storage::AuditEntry>> entries =
      db.Run([&](storage::Transaction& tx) -> absl::StatusOr<std::vector<storage::AuditEntry>> {
        return storage::ListAudit(tx, company_id, "customer", 7);
      });
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  const storage::AuditEntry& first = (*entries)[0];
  const storage::AuditEntry& second = (*entries)[1];
  EXPECT_EQ(first.actor, "operator");
  EXPECT_EQ(first.action, "CreateCustomer");
  EXPECT_EQ(first.request_id, "req-1");
  EXPECT_EQ(first.before_json, "");  // the entity did not exist
  EXPECT_EQ(nlohmann::json::parse(first.after_json), nlohmann::json::parse(created.after_json));
  EXPECT_EQ(first.occurred_at, At(2024, 5, 1, 9));
  EXPECT_EQ(second.actor, "api_key:3");
  EXPECT_EQ(second.action, "UpdateCustomer");
  EXPECT_EQ(second.request_id, "");
  EXPECT_EQ(nlohmann::json::parse(second.before_json), nlohmann::json::parse(created.after_json));
  EXPECT_EQ(nlohmann::json::parse(second.after_json), nlohmann::json::parse(updated.after_json));
  EXPECT_EQ(second.occurred_at, At(2024, 5, 1, 10));
  // Stored as SQL NULL when empty, not as a JSON string.
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM audit_log WHERE before_state IS NULL"), "3");
}

// Requirement: an audit entry commits or rolls back with the change it records.
TEST(AuditLog, AppendRollsBackWithItsTransaction) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Audit Rollback AG");
  absl::Status status = db.RunStatus([&](storage::Transaction& tx) {
    storage::AuditEntry entry;
    entry.company_id = company_id;
    entry.actor = "operator";
    entry.action = "UpdateCompany";
    entry.entity_type = "company";
    entry.entity_id = company_id;
    entry.after_json = "{}";
    entry.occurred_at = At(2024, 5, 1);
    storage::AppendAudit(tx, entry);
    return absl::AbortedError("stale");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM audit_log"), "0");
}

}  // namespace
}  // namespace invoicehub::integration
