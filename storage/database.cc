#include "storage/database.h"

#include <regex>

#include <soci/connection-pool.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::storage {
namespace {

// Maps a PostgreSQL SQLSTATE onto the status the caller can act on.
// `message` is the server's error without SOCI's context, which would
// include bound values: customer data must not reach the logs.
absl::Status StatusFromSqlState(const std::string& sqlstate, const std::string& message) {
  if (sqlstate == "23505") return absl::AlreadyExistsError("a record with the same unique key already exists");
  if (sqlstate == "40001" || sqlstate == "40P01")
    return absl::AbortedError("the change collided with a concurrent one; retry");
  if (absl::StartsWith(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P03")
    return absl::UnavailableError("the database is unreachable; retry later");
  spdlog::error("database error sqlstate={} {}", sqlstate, message);
  return absl::InternalError("internal database error");
}

// A lost connection is not a statement error: reconnect, so that the pooled
// session is usable by the next caller.
void ReconnectIfBroken(soci::session& session) {
  if (session.is_connected()) return;
  try {
    session.reconnect();
  } catch (const soci::soci_error& e) {
    spdlog::warn("database reconnect failed: {}", e.what());
  }
}

constexpr int kLeaseTimeoutMillis = 5000;

}  // namespace

Database::Database(std::unique_ptr<soci::connection_pool> pool, size_t pool_size)
    : pool_(std::move(pool)), pool_size_(pool_size) {}

Database::~Database() = default;

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(const std::string& url, size_t pool_size) {
  if (pool_size == 0) return absl::InvalidArgumentError("database pool size must be at least 1");
  auto pool = std::make_unique<soci::connection_pool>(pool_size);
  try {
    for (size_t i = 0; i < pool_size; ++i) pool->at(i).open(soci::postgresql, url);
  } catch (const soci::soci_error& e) {
    // libpq's message names the host and the reason, never the password.
    return absl::UnavailableError(absl::StrCat("cannot connect to the database ", MaskDatabaseUrl(url), ": ",
                                               e.get_error_message()));
  }
  return std::unique_ptr<Database>(new Database(std::move(pool), pool_size));
}

void Transaction::ReadOneSnapshot() { session_ << "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"; }

absl::Status Database::InTransaction(const std::function<absl::Status(Transaction&)>& body) {
  size_t position = 0;
  // A bounded wait: when every connection is busy for this long, the caller
  // is better served by UNAVAILABLE (and its retry) than by hanging.
  if (!pool_->try_lease(position, kLeaseTimeoutMillis))
    return absl::UnavailableError("all database connections are busy; retry later");
  struct GiveBack {
    soci::connection_pool& pool;
    size_t position;
    ~GiveBack() { pool.give_back(position); }
  } give_back{*pool_, position};
  soci::session& session = pool_->at(position);
  try {
    soci::transaction transaction(session);
    Transaction tx(session);
    absl::Status status = body(tx);
    if (status.ok())
      transaction.commit();
    else
      transaction.rollback();
    return status;
  } catch (const soci::postgresql_soci_error& e) {
    ReconnectIfBroken(session);
    return StatusFromSqlState(e.sqlstate(), e.get_error_message());
  } catch (const soci::soci_error& e) {
    ReconnectIfBroken(session);
    if (!session.is_connected()) return absl::UnavailableError("the database is unreachable; retry later");
    spdlog::error("database error: {}", e.get_error_message());
    return absl::InternalError("internal database error");
  }
}

absl::Status Database::Ping() {
  return InTransaction([](Transaction& tx) {
    int one = 0;
    tx.session() << "SELECT 1", soci::into(one);
    return one == 1 ? absl::OkStatus() : absl::InternalError("SELECT 1 did not answer 1");
  });
}

std::string MaskDatabaseUrl(const std::string& url) {
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://")) {
    // URI: the password of user:password@host, and a password= parameter.
    static const std::regex kUserInfoPassword(R"((://[^:/@?]*:)[^@/?]*@)");
    static const std::regex kQueryPassword(R"(([?&]password=)[^&]*)");
    return std::regex_replace(std::regex_replace(url, kUserInfoPassword, "$1***@"), kQueryPassword, "$1***");
  }
  // key=value: a value is bare or single-quoted with backslash escapes.
  static const std::regex kKeywordPassword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']\S*))");
  return std::regex_replace(url, kKeywordPassword, "$1***");
}

}  // namespace invoicehub::storage
