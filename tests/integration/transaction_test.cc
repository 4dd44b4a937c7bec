// Database::InTransaction against a real PostgreSQL: all or nothing, database
// errors become statuses the caller can act on, and a failed call leaves the
// pooled connection usable. Database::Connect never leaks a password.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "server/domain/api_key.h"
#include "storage/api_key_repository.h"
#include "storage/company_repository.h"
#include "storage/database.h"
#include "tests/integration/integration_support.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::integration {
namespace {

bool Contains(const absl::Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// Requirement: the body's writes commit when it returns OK.
TEST(Transaction, CommitsWhenBodyReturnsOk) {
  MigratedDatabase db;
  absl::Status status = db.RunStatus([](storage::Transaction& tx) {
    return storage::InsertCompany(tx, SampleCompany("Committed AG"), At(2024, 5, 1)).status();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies WHERE display_name = 'Committed AG'"), "1");
}

// Requirement: a non-OK body rolls back everything it wrote, and its status
// is what the caller gets.
TEST(Transaction, RollsBackWhenBodyReturnsError) {
  MigratedDatabase db;
  bool wrote = false;
  absl::Status status = db.RunStatus([&](storage::Transaction& tx) {
    absl::StatusOr<domain::Company> company = storage::InsertCompany(tx, SampleCompany("Ghost AG"), At(2024, 5, 1));
    wrote = company.ok();
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_TRUE(wrote);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "changed my mind");
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies"), "0");
}

// Requirement: a unique violation maps to ALREADY_EXISTS, and the writes
// made before it in the same transaction are rolled back.
TEST(Transaction, UniqueViolationMapsToAlreadyExists) {
  MigratedDatabase db;
  int64_t company_id = AddCompany(db, "Unique AG");
  absl::Status status = db.RunStatus([&](storage::Transaction& tx) {
    domain::ApiKey key;
    key.company_id = company_id;
    key.display_name = "twin";
    key.role = domain::Role::kClerk;
    key.secret_prefix = "ih_1_abcdef";
    // Same secret hash twice under one company: UNIQUE (company_id, secret_sha256).
    absl::Status first = storage::InsertApiKey(tx, key, "same-hash", At(2024, 5, 1)).status();
    if (!first.ok()) return first;
    return storage::InsertApiKey(tx, key, "same-hash", At(2024, 5, 1)).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM api_keys"), "0");
}

// Requirement: a SOCI exception from a bad statement maps to INTERNAL (with
// no SQL in the message), and the pooled connection works afterwards.
TEST(Transaction, BadStatementMapsToInternalAndConnectionStaysUsable) {
  MigratedDatabase db(/*pool_size=*/1);  // one connection: the next call reuses it
  absl::Status status = db.RunStatus([](storage::Transaction& tx) {
    tx.session() << "SELEKT something_wrong FROM nowhere";
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_FALSE(Contains(status, "SELEKT")) << status;

  EXPECT_TRUE(db.db().Ping().ok());
  absl::Status write = db.RunStatus([](storage::Transaction& tx) {
    return storage::InsertCompany(tx, SampleCompany("After Error AG"), At(2024, 5, 1)).status();
  });
  EXPECT_TRUE(write.ok()) << write;
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies"), "1");
}

// Requirement: an error in the middle of a transaction (the transaction is
// aborted in PostgreSQL) still leaves no partial writes and a usable
// connection.
TEST(Transaction, ErrorAfterWritesRollsBackThoseWrites) {
  MigratedDatabase db(/*pool_size=*/1);
  absl::Status status = db.RunStatus([](storage::Transaction& tx) {
    absl::Status inserted = storage::InsertCompany(tx, SampleCompany("Half AG"), At(2024, 5, 1)).status();
    if (!inserted.ok()) return inserted;
    tx.session() << "SELECT 1/0";  // division_by_zero
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM companies"), "0");
  EXPECT_TRUE(db.db().Ping().ok());
}

// Requirement: a connection lost under the pool maps to UNAVAILABLE
// (retryable), and the pool reconnects so the next call works.
TEST(Transaction, LostConnectionMapsToUnavailableAndPoolRecovers) {
  MigratedDatabase db(/*pool_size=*/1);
  absl::StatusOr<long long> pid = db.Run([](storage::Transaction& tx) -> absl::StatusOr<long long> {
    int backend = 0;
    tx.session() << "SELECT pg_backend_pid()", soci::into(backend);
    return backend;
  });
  ASSERT_TRUE(pid.ok()) << pid.status();
  // Kill the pooled connection's backend from outside.
  const std::string backend = std::to_string(*pid);
  ASSERT_EQ(db.Scalar("SELECT pg_terminate_backend(" + backend + ")"), "t");
  ASSERT_TRUE(
      WaitUntil([&] { return db.Scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + backend) == "0"; }));

  absl::Status status = db.RunStatus([](storage::Transaction& tx) {
    int one = 0;
    tx.session() << "SELECT 1", soci::into(one);
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;

  EXPECT_TRUE(db.db().Ping().ok());
}

// Requirement: connecting to an unreachable database is UNAVAILABLE, and the
// error names the database without the password given in the URL
// (MaskDatabaseUrl).
TEST(Transaction, ConnectToUnreachableUriIsUnavailableWithoutPassword) {
  // Port 1 on loopback: refused at once.
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Connect("postgresql://alice:Pw-Uri-S3cret@127.0.0.1:1/invoicehub?connect_timeout=5", 1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_FALSE(Contains(db.status(), "Pw-Uri-S3cret")) << db.status();
  EXPECT_TRUE(Contains(db.status(), "alice:***@127.0.0.1")) << db.status();
}

// Requirement: as above, for a password in the URI query string.
TEST(Transaction, ConnectToUnreachableQueryUrlIsUnavailableWithoutPassword) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(
      "postgresql:///invoicehub?host=/nonexistent-invoicehub-socket-dir&port=5432&password=Pw-Query-S3cret", 2);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_FALSE(Contains(db.status(), "Pw-Query-S3cret")) << db.status();
}

// Requirement: as above, for a key=value connection string.
TEST(Transaction, ConnectToUnreachableKeywordUrlIsUnavailableWithoutPassword) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(
      "host=/nonexistent-invoicehub-socket-dir dbname=invoicehub user=alice password=Pw-Kw-S3cret", 1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_FALSE(Contains(db.status(), "Pw-Kw-S3cret")) << db.status();
}

// Requirement: secrets never appear in logs or errors: every way libpq
// accepts a password is masked.
TEST(Transaction, MaskDatabaseUrlHidesEveryPasswordForm) {
  for (const std::string url : {
           "postgresql://u:Pw1-secret@db.example:5432/ih",
           "postgres://u:Pw1-secret@h1:5432,h2:5433/ih?sslmode=require",
           "postgresql://u:Pw1%40secret@db.example/ih",
           "postgresql:///ih?host=/s&password=Pw1-secret",
           "postgresql:///ih?password=Pw1-secret&host=/s",
           "host=h password=Pw1-secret dbname=ih",
           "host=h password = Pw1-secret dbname=ih",
           "host=h password='Pw1 -secret' dbname=ih",
       }) {
    const std::string masked = storage::MaskDatabaseUrl(url);
    EXPECT_EQ(masked.find("Pw1"), std::string::npos) << url << " -> " << masked;
    EXPECT_EQ(masked.find("secret"), std::string::npos) << url << " -> " << masked;
    EXPECT_NE(masked.find("***"), std::string::npos) << url << " -> " << masked;
  }
  EXPECT_EQ(storage::MaskDatabaseUrl("postgresql://u:secret@db.example:5432/ih"),
            "postgresql://u:***@db.example:5432/ih");
  EXPECT_EQ(storage::MaskDatabaseUrl("host=h password='se cret' dbname=ih"), "host=h password=*** dbname=ih");
  // Nothing to hide: unchanged.
  EXPECT_EQ(storage::MaskDatabaseUrl("postgresql:///ih?host=/s&user=u"), "postgresql:///ih?host=/s&user=u");
  EXPECT_EQ(storage::MaskDatabaseUrl("postgresql://u@db.example/ih"), "postgresql://u@db.example/ih");
}

// Requirement: secrets never appear in logs: libpq lets a quoted keyword
// value escape a quote with a backslash (password='se\'cret'); no part of
// such a password may survive masking.
TEST(Transaction, MaskDatabaseUrlHidesQuotedPasswordWithEscapedQuote) {
  const std::string masked = storage::MaskDatabaseUrl(R"(host=h password='Pw2\'tail-secret' dbname=ih)");
  EXPECT_EQ(masked.find("tail-secret"), std::string::npos) << masked;
  EXPECT_EQ(masked.find("Pw2"), std::string::npos) << masked;

  // The same URL in Database::Connect's error.
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Connect(R"(host=/nonexistent-invoicehub-socket-dir dbname=ih password='Pw2\'tail-secret')", 1);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_FALSE(Contains(db.status(), "tail-secret")) << db.status();
}

// The masked URL is for logs: it hides the password and keeps the rest
// (user, sslmode, ...) that an operator needs to see.
TEST(Transaction, MaskDatabaseUrlKeepsQueryParametersAfterThePassword) {
  EXPECT_EQ(storage::MaskDatabaseUrl("postgresql:///ih?host=/s&password=secret&user=u&sslmode=require"),
            "postgresql:///ih?host=/s&password=***&user=u&sslmode=require");
}

// Requirement: a pool of zero connections is refused up front.
TEST(Transaction, ConnectWithEmptyPoolIsInvalidArgument) {
  testing::ScratchDatabase scratch;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Connect(scratch.url(), 0);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << db.status();
}

}  // namespace
}  // namespace invoicehub::integration
