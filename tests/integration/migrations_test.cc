// Schema migrations against a real PostgreSQL: each embedded migration is
// applied exactly once, also when several servers start together, and a
// server can tell whether its schema is in place.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "storage/database.h"
#include "storage/migrator.h"
#include "tests/integration/integration_support.h"
#include "tests/support/concurrently.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::integration {
namespace {

using storage::ApplyMigrations;
using storage::EmbeddedMigrations;

// "1,2,3": the versions of `migrations`, in order.
std::string VersionList(const std::vector<storage::Migration>& migrations) {
  std::vector<int> versions;
  for (const storage::Migration& m : migrations) versions.push_back(m.version);
  return absl::StrJoin(versions, ",");
}

std::string RecordedVersions(const std::string& url) {
  return testing::QueryScalar(url,
                              "SELECT COALESCE(string_agg(version::text, ',' ORDER BY version), '')"
                              " FROM schema_migrations");
}

// Requirement: migrations are embedded in version order (NNNN_name.sql), each version once.
TEST(Migrations, EmbeddedMigrationsAreInStrictVersionOrder) {
  const std::vector<storage::Migration>& migrations = EmbeddedMigrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 1; i < migrations.size(); ++i)
    EXPECT_LT(migrations[i - 1].version, migrations[i].version) << migrations[i].name;
  for (const storage::Migration& m : migrations) {
    EXPECT_GT(m.version, 0);
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.sql.empty());
  }
}

// Requirement: migrations on an empty database apply every embedded migration
// and record each version; a second run applies nothing.
TEST(Migrations, ApplyOnEmptyDatabaseAppliesAllAndRecordsVersions) {
  testing::ScratchDatabase scratch;
  const auto& migrations = EmbeddedMigrations();

  absl::StatusOr<int> first = ApplyMigrations(scratch.url(), migrations);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, static_cast<int>(migrations.size()));
  EXPECT_EQ(RecordedVersions(scratch.url()), VersionList(migrations));
  // The schema itself is there.
  EXPECT_EQ(testing::QueryScalar(scratch.url(), "SELECT count(*) FROM companies"), "0");

  absl::StatusOr<int> second = ApplyMigrations(scratch.url(), migrations);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 0);
  EXPECT_EQ(RecordedVersions(scratch.url()), VersionList(migrations));
}

// `servers` threads, each on its own connection, apply `migrations` at the
// same moment, as servers starting together would.
std::vector<absl::StatusOr<int>> ApplyConcurrently(const std::string& url,
                                                   const std::vector<storage::Migration>& migrations, int servers) {
  std::vector<absl::StatusOr<int>> results(servers, absl::UnknownError("not run"));
  testing::RunConcurrently(servers, [&](int i) { results[i] = ApplyMigrations(url, migrations); });
  return results;
}

// Requirement: servers starting together (separate connections) apply each
// migration exactly once, and neither fails.
TEST(Migrations, ConcurrentApplyOnFreshDatabaseAppliesEachVersionOnce) {
  testing::ScratchDatabase scratch;
  const auto& migrations = EmbeddedMigrations();

  std::vector<absl::StatusOr<int>> results = ApplyConcurrently(scratch.url(), migrations, 2);
  int total = 0;
  for (const absl::StatusOr<int>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    total += *result;
  }
  EXPECT_EQ(total, static_cast<int>(migrations.size()));
  EXPECT_EQ(RecordedVersions(scratch.url()), VersionList(migrations));
  EXPECT_EQ(testing::QueryScalar(scratch.url(), "SELECT count(*) - count(DISTINCT version) FROM schema_migrations"),
            "0");
}

// Requirement: a migration that is not idempotent is still run only once
// when servers race (stronger than the embedded set, whose CREATE TABLEs
// would merely fail).
TEST(Migrations, ConcurrentApplyRunsANonIdempotentMigrationOnce) {
  testing::ScratchDatabase scratch;
  std::vector<storage::Migration> migrations = EmbeddedMigrations();
  migrations.push_back({9001, "counter", "CREATE TABLE IF NOT EXISTS runs (n integer); INSERT INTO runs VALUES (1);"});

  std::vector<absl::StatusOr<int>> results = ApplyConcurrently(scratch.url(), migrations, 4);
  int total = 0;
  for (const absl::StatusOr<int>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    total += *result;
  }
  EXPECT_EQ(total, static_cast<int>(migrations.size()));
  EXPECT_EQ(testing::QueryScalar(scratch.url(), "SELECT count(*) FROM runs"), "1");
}

// Requirement: migrations apply in one transaction: a failing one leaves
// nothing behind, neither its predecessors nor the version table.
TEST(Migrations, FailingMigrationRollsBackTheWholeRun) {
  testing::ScratchDatabase scratch;
  std::vector<storage::Migration> migrations = EmbeddedMigrations();
  migrations.push_back({9999, "broken", "SELECT * FROM no_such_table"});

  absl::StatusOr<int> applied = ApplyMigrations(scratch.url(), migrations);
  EXPECT_FALSE(applied.ok());
  EXPECT_EQ(testing::QueryScalar(scratch.url(), "SELECT to_regclass('schema_migrations') IS NULL"), "t");
  EXPECT_EQ(testing::QueryScalar(scratch.url(), "SELECT to_regclass('companies') IS NULL"), "t");
}

// Requirement: an unreachable database is UNAVAILABLE, and the password stays hidden.
TEST(Migrations, ApplyToUnreachableDatabaseIsUnavailable) {
  absl::StatusOr<int> applied = ApplyMigrations(
      "postgresql:///invoicehub?host=/nonexistent-invoicehub-socket-dir&password=Mig-S3cret", EmbeddedMigrations());
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kUnavailable) << applied.status();
  EXPECT_EQ(std::string(applied.status().message()).find("Mig-S3cret"), std::string::npos) << applied.status();
}

// Requirement: CheckMigrationsApplied is FAILED_PRECONDITION on a database
// that was never migrated (a server must refuse to start on it, with a
// clear reason, not an internal error).
TEST(Migrations, CheckMigrationsAppliedFailsPreconditionOnNeverMigratedDatabase) {
  testing::ScratchDatabase scratch;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(scratch.url(), 1);
  ASSERT_TRUE(db.ok()) << db.status();
  absl::Status status = storage::CheckMigrationsApplied(**db);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

// Requirement: FAILED_PRECONDITION while migrations are missing, OK after.
TEST(Migrations, CheckMigrationsAppliedFailsPreconditionUntilAllAreApplied) {
  testing::ScratchDatabase scratch;
  // The version table exists but records nothing.
  ASSERT_TRUE(ApplyMigrations(scratch.url(), {}).ok());
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(scratch.url(), 1);
  ASSERT_TRUE(db.ok()) << db.status();

  absl::Status before = storage::CheckMigrationsApplied(**db);
  EXPECT_EQ(before.code(), absl::StatusCode::kFailedPrecondition) << before;

  absl::StatusOr<int> applied = ApplyMigrations(scratch.url(), EmbeddedMigrations());
  ASSERT_TRUE(applied.ok()) << applied.status();
  absl::Status after = storage::CheckMigrationsApplied(**db);
  EXPECT_TRUE(after.ok()) << after;
}

}  // namespace
}  // namespace invoicehub::integration
