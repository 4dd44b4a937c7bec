#include "storage/migrator.h"

#include <libpq-fe.h>

#include <memory>
#include <set>

#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "storage/database.h"

namespace invoicehub::storage {
namespace {

// Any constant will do, as long as every server uses the same one.
constexpr char kLockSql[] = "SELECT pg_advisory_xact_lock(7428190001)";
constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
constexpr char kSelectVersions[] = "SELECT version FROM schema_migrations";
constexpr char kInsertVersion[] = "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)";

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Runs SQL that may hold several statements (hence libpq's simple protocol,
// which SOCI does not offer).
absl::Status Exec(PGconn* conn, const std::string& sql, const std::string& what) {
  Result result(PQexec(conn, sql.c_str()), &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, " failed: ", PQerrorMessage(conn)));
}

absl::StatusOr<std::set<int>> AppliedVersions(PGconn* conn) {
  Result result(PQexec(conn, kSelectVersions), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
    return absl::InternalError(absl::StrCat("reading schema_migrations failed: ", PQerrorMessage(conn)));
  std::set<int> versions;
  for (int row = 0; row < PQntuples(result.get()); ++row) versions.insert(std::atoi(PQgetvalue(result.get(), row, 0)));
  return versions;
}

absl::StatusOr<int> ApplyInTransaction(PGconn* conn, const std::vector<Migration>& migrations) {
  if (absl::Status s = Exec(conn, kLockSql, "taking the migration lock"); !s.ok()) return s;
  if (absl::Status s = Exec(conn, kCreateVersionTable, "creating schema_migrations"); !s.ok()) return s;
  absl::StatusOr<std::set<int>> applied = AppliedVersions(conn);
  if (!applied.ok()) return applied.status();
  int count = 0;
  for (const Migration& migration : migrations) {
    if (applied->count(migration.version)) continue;
    std::string label = absl::StrCat("migration ", migration.version, "_", migration.name);
    if (absl::Status s = Exec(conn, migration.sql, label); !s.ok()) return s;
    std::string version = std::to_string(migration.version);
    const char* params[] = {version.c_str(), migration.name.c_str()};
    Result result(PQexecParams(conn, kInsertVersion, 2, nullptr, params, nullptr, nullptr, 0), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
      return absl::InternalError(absl::StrCat("recording ", label, " failed: ", PQerrorMessage(conn)));
    spdlog::info("applied {}", label);
    ++count;
  }
  return count;
}

}  // namespace

absl::StatusOr<int> ApplyMigrations(const std::string& url, const std::vector<Migration>& migrations) {
  Connection conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return absl::UnavailableError(absl::StrCat("cannot connect to the database ", MaskDatabaseUrl(url), ": ",
                                               PQerrorMessage(conn.get())));
  // Quiet the NOTICEs of CREATE TABLE IF NOT EXISTS.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  if (absl::Status s = Exec(conn.get(), "BEGIN", "BEGIN"); !s.ok()) return s;
  absl::StatusOr<int> applied = ApplyInTransaction(conn.get(), migrations);
  if (!applied.ok()) {
    Exec(conn.get(), "ROLLBACK", "ROLLBACK").IgnoreError();
    return applied.status();
  }
  if (absl::Status s = Exec(conn.get(), "COMMIT", "COMMIT"); !s.ok()) return s;
  return applied;
}

absl::Status CheckMigrationsApplied(Database& database) {
  return database.InTransaction([](Transaction& tx) {
    int table_exists = 0, applied = 0;
    tx.session() << "SELECT (to_regclass('schema_migrations') IS NOT NULL)::int", soci::into(table_exists);
    if (table_exists) tx.session() << "SELECT count(*) FROM schema_migrations", soci::into(applied);
    int expected = static_cast<int>(EmbeddedMigrations().size());
    if (applied < expected)
      return absl::FailedPreconditionError(absl::StrCat(applied, " of ", expected, " migrations applied"));
    return absl::OkStatus();
  });
}

}  // namespace invoicehub::storage
