#include "tests/support/scratch_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

namespace invoicehub::testing {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "test database: %s\n", message.c_str());
  std::abort();
}

struct Connection {
  explicit Connection(const std::string& url) : conn(PQconnectdb(url.c_str())) {
    if (PQstatus(conn) != CONNECTION_OK) Die("cannot connect to " + url + ": " + PQerrorMessage(conn));
  }
  ~Connection() { PQfinish(conn); }
  PGconn* conn;
};

}  // namespace

std::string TestClusterUrl() {
  const char* url = std::getenv("INVOICEHUB_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0')
    Die("INVOICEHUB_TEST_DATABASE_URL is not set; run the tests through scripts/test.sh");
  return url;
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  static const std::regex kPath(R"(^(postgres(?:ql)?://[^/?]*)(/[^?]*)?)");
  std::smatch match;
  if (!std::regex_search(url, match, kPath)) Die("not a postgresql:// URL: " + url);
  return match[1].str() + "/" + database + match.suffix().str();
}

ScratchDatabase::ScratchDatabase() {
  static std::atomic<int> counter{0};
  name_ = "test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  std::string cluster = TestClusterUrl();
  ExecSql(cluster, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  ExecSql(cluster, "CREATE DATABASE " + name_);
  url_ = WithDatabase(cluster, name_);
}

ScratchDatabase::~ScratchDatabase() { ExecSql(TestClusterUrl(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }

void ExecSql(const std::string& url, const std::string& sql) {
  Connection connection(url);
  PGresult* result = PQexec(connection.conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    Die(sql + " failed: " + PQerrorMessage(connection.conn));
}

std::string QueryScalar(const std::string& url, const std::string& sql) {
  Connection connection(url);
  PGresult* result = PQexec(connection.conn, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK || PQntuples(result) < 1) {
    std::string error = PQerrorMessage(connection.conn);
    PQclear(result);
    Die(sql + " returned no row: " + error);
  }
  std::string value = PQgetvalue(result, 0, 0);
  PQclear(result);
  return value;
}

}  // namespace invoicehub::testing
