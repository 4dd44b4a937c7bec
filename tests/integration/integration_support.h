#pragma once
// Helpers shared by the integration tests: a fresh, migrated database per
// test, a way to run a body in one transaction and get its value back, and
// small builders for the records most tests need.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/domain/company.h"
#include "server/domain/customer.h"
#include "server/domain/field_errors.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/database.h"
#include "storage/migrator.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::domain {
// Lets gtest print violations in failure messages.
inline void PrintTo(const FieldViolation& v, std::ostream* os) {
  *os << "{\"" << v.field << "\", \"" << v.description << "\"}";
}
}  // namespace invoicehub::domain

namespace invoicehub::integration {

// A fixed instant (UTC), so stored times can be compared exactly.
inline absl::Time At(int year, int month, int day, int hour = 12, int minute = 0, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second), absl::UTCTimeZone());
}

// A scratch database with every embedded migration applied and a connection
// pool on it. Dropped when the object goes out of scope.
class MigratedDatabase {
 public:
  explicit MigratedDatabase(size_t pool_size = 2) {
    absl::StatusOr<int> applied = storage::ApplyMigrations(scratch_.url(), storage::EmbeddedMigrations());
    if (!applied.ok()) ADD_FAILURE() << "ApplyMigrations: " << applied.status();
    absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(scratch_.url(), pool_size);
    if (!db.ok()) {
      ADD_FAILURE() << "Database::Connect: " << db.status();
      return;
    }
    database_ = std::move(*db);
  }

  storage::Database& db() { return *database_; }
  const std::string& url() const { return scratch_.url(); }

  // Runs `body` (returning absl::StatusOr<T>) in one transaction; the
  // transaction commits when the body succeeds and rolls back otherwise.
  template <typename Body>
  auto Run(Body&& body) -> std::invoke_result_t<Body, storage::Transaction&> {
    using Result = std::invoke_result_t<Body, storage::Transaction&>;
    std::optional<Result> result;
    absl::Status status = database_->InTransaction([&](storage::Transaction& tx) {
      result.emplace(body(tx));
      return result->status();
    });
    if (!status.ok()) return Result(status);
    return std::move(*result);
  }

  // Same, for a body that returns a plain absl::Status.
  template <typename Body>
  absl::Status RunStatus(Body&& body) {
    return database_->InTransaction([&](storage::Transaction& tx) { return body(tx); });
  }

  // Runs a body that returns nothing in one transaction; a failure fails the test.
  template <typename Body>
  void Write(Body&& body) {
    absl::Status status = RunStatus([&](storage::Transaction& tx) {
      body(tx);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  }

  // Runs a body that returns a plain value in one transaction; a failure
  // fails the test and answers a default value.
  template <typename Body>
  auto Read(Body&& body) -> std::invoke_result_t<Body, storage::Transaction&> {
    std::invoke_result_t<Body, storage::Transaction&> value{};
    absl::Status status = RunStatus([&](storage::Transaction& tx) {
      value = body(tx);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return value;
  }

  // The first column of the first row of `sql`, read on its own connection.
  std::string Scalar(const std::string& sql) const { return testing::QueryScalar(scratch_.url(), sql); }

 private:
  testing::ScratchDatabase scratch_;
  std::unique_ptr<storage::Database> database_;
};

// Polls `condition` (each poll is a database round trip) until it holds;
// false if it never did within a generous bound. Synchronises on a state the
// database reports, never on elapsed time.
template <typename Condition>
bool WaitUntil(Condition&& condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline)
    if (condition()) return true;
  return false;
}

// Creation times one second apart, so that lists (in creation order) come
// back in the order the test created the records.
inline absl::Time NextCreateTime() {
  static int seconds = 0;
  return At(2024, 1, 2) + absl::Seconds(seconds++);
}

inline domain::Company SampleCompany(const std::string& name) {
  domain::Company company;
  company.display_name = name;
  company.time_zone = "Europe/Zurich";
  company.default_currency_code = "CHF";
  company.invoice_number_prefix = "INV-";
  return company;
}

inline domain::Customer SampleCustomer(const std::string& name, const std::string& email) {
  domain::Customer customer;
  customer.display_name = name;
  customer.email = email;
  customer.currency_code = "CHF";
  customer.payment_terms_days = 30;
  customer.delivery_preference = domain::DeliveryPreference::kEmail;
  return customer;
}

// Stores a company straight through the repository (no use-case rules).
inline int64_t AddCompany(MigratedDatabase& db, const std::string& name) {
  absl::StatusOr<domain::Company> company =
      db.Run([&](storage::Transaction& tx) { return storage::InsertCompany(tx, SampleCompany(name), At(2024, 1, 1)); });
  EXPECT_TRUE(company.ok()) << company.status();
  return company.ok() ? company->id : 0;
}

inline int64_t AddCustomer(MigratedDatabase& db, int64_t company_id, const std::string& name,
                           const std::string& email = "ap@example.com") {
  absl::StatusOr<domain::Customer> customer = db.Run([&](storage::Transaction& tx) {
    return storage::InsertCustomer(tx, company_id, SampleCustomer(name, email), NextCreateTime());
  });
  EXPECT_TRUE(customer.ok()) << customer.status();
  return customer.ok() ? customer->id : 0;
}

// A customer billed in `currency_code` (AddCustomer's are billed in CHF).
inline int64_t AddCustomerIn(MigratedDatabase& db, int64_t company_id, const std::string& name,
                             const std::string& currency_code) {
  domain::Customer sample = SampleCustomer(name, "ap@example.com");
  sample.currency_code = currency_code;
  absl::StatusOr<domain::Customer> customer = db.Run(
      [&](storage::Transaction& tx) { return storage::InsertCustomer(tx, company_id, sample, NextCreateTime()); });
  EXPECT_TRUE(customer.ok()) << customer.status();
  return customer.ok() ? customer->id : 0;
}

}  // namespace invoicehub::integration
