// The server process from the outside: start-up (migrations under a lock,
// refusing bad configuration or an unreachable database with a clear log
// line), readiness, graceful stop, and secrets kept out of the log.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::e2e {
namespace {

using invoicehub::testing::ExecSql;
using invoicehub::testing::QueryScalar;
using invoicehub::testing::ScratchDatabase;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int MigrationFileCount() {
  int count = 0;
  static const std::regex kName(R"(\d{4}_.*\.sql)");
  for (const auto& entry : std::filesystem::directory_iterator(INVOICEHUB_MIGRATIONS_DIR))
    if (std::regex_match(entry.path().filename().string(), kName)) ++count;
  return count;
}

// "database schema current (N migrations applied now)" -> N.
int MigrationsAppliedBy(const ServerProcess& server) {
  static const std::regex kApplied(R"(\((\d+) migrations applied now\))");
  std::smatch match;
  std::string log = server.log();
  return std::regex_search(log, match, kApplied) ? std::stoi(match[1].str()) : -1;
}

class ServerLifecycleTest : public ::testing::Test {
 protected:
  // Starts a server and remembers it, so its log is shown if the test fails.
  ServerProcess& Start(ServerProcess::Options options) {
    servers_.push_back(std::make_unique<ServerProcess>(std::move(options)));
    return *servers_.back();
  }
  ServerProcess& Start(const std::string& database_url) {
    return Start(ServerProcess::Options::OnDatabase(database_url));
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (const auto& server : servers_) std::cerr << server->LogForDiagnostics();
  }

  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

// DESIGN storage (migrations under pg_advisory_xact_lock): two servers started
// at the same moment on one fresh database both become ready, and each
// migration is applied exactly once, by one of them.
TEST_F(ServerLifecycleTest, TwoServersStartingTogetherApplyEachMigrationOnce) {
  ScratchDatabase database;
  ServerProcess& first = Start(database.url());
  ServerProcess& second = Start(database.url());
  ASSERT_TRUE(first.WaitUntilReady());
  ASSERT_TRUE(second.WaitUntilReady());

  int files = MigrationFileCount();
  ASSERT_GT(files, 0);
  EXPECT_EQ(std::stoi(QueryScalar(database.url(), "SELECT count(*) FROM schema_migrations")), files);
  EXPECT_EQ(std::stoi(QueryScalar(database.url(), "SELECT count(DISTINCT version) FROM schema_migrations")), files);
  EXPECT_EQ(MigrationsAppliedBy(first) + MigrationsAppliedBy(second), files);

  // Both serve the same data.
  ApiClient one(first.grpc_address()), two(second.grpc_address());
  v1::CreateCompanyRequest request;
  request.mutable_company()->set_display_name("Both AG");
  request.mutable_company()->set_default_currency_code("EUR");
  v1::CreateCompanyResponse created;
  ASSERT_TRUE(one.admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &created).ok());
  v1::Company company;
  grpc::Status status =
      two.admin().GetCompany(ApiClient::Context(created.admin_key_secret()).get(), v1::GetCompanyRequest(), &company);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(company.display_name(), "Both AG");

  EXPECT_EQ(first.Stop(SIGTERM), 0);
  EXPECT_EQ(second.Stop(SIGTERM), 0);

  // A restart finds the schema current and applies nothing.
  ServerProcess& third = Start(database.url());
  ASSERT_TRUE(third.WaitUntilReady());
  EXPECT_EQ(MigrationsAppliedBy(third), 0);
  EXPECT_EQ(std::stoi(QueryScalar(database.url(), "SELECT count(*) FROM schema_migrations")), files);
}

// main.cc: SIGTERM and SIGINT stop the server cleanly with exit code 0.
TEST_F(ServerLifecycleTest, StopSignalsExitZero) {
  ScratchDatabase database;
  for (int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(signal);
    ServerProcess& server = Start(database.url());
    ASSERT_TRUE(server.WaitUntilReady());
    EXPECT_EQ(server.Stop(signal), 0);
    EXPECT_THAT(server.log(), HasSubstr("invoicehub-server stopped"));
  }
}

// A libpq connection of the test's own, to hold a row lock.
struct PgConnection {
  explicit PgConnection(const std::string& url) : conn(PQconnectdb(url.c_str())) {}
  ~PgConnection() { PQfinish(conn); }
  bool Exec(const std::string& sql) {
    PGresult* result = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    PQclear(result);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }
  PGconn* conn;
};

// main.cc: on SIGTERM the server stops taking calls but finishes the calls in
// flight before it exits 0. The call is held in flight by a row lock the test
// owns, and completes once the lock is released after the signal.
TEST_F(ServerLifecycleTest, SigtermFinishesInFlightCalls) {
  ScratchDatabase database;
  ServerProcess& server = Start(database.url());
  ASSERT_TRUE(server.WaitUntilReady());
  ApiClient api(server.grpc_address());
  v1::CreateCompanyRequest company_request;
  company_request.mutable_company()->set_display_name("Inflight AG");
  company_request.mutable_company()->set_default_currency_code("CHF");
  v1::CreateCompanyResponse company;
  ASSERT_TRUE(api.admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), company_request, &company).ok());
  const std::string& key = company.admin_key_secret();
  v1::CreateCustomerRequest customer_request;
  customer_request.mutable_customer()->set_display_name("Kunde");
  customer_request.mutable_customer()->set_email("ap@kunde.example");
  v1::Customer customer;
  ASSERT_TRUE(api.customers().CreateCustomer(ApiClient::Context(key).get(), customer_request, &customer).ok());
  v1::CreateInvoiceRequest invoice_request;
  invoice_request.set_customer_id(customer.id());
  *invoice_request.add_lines() = Line("Consulting", "1", 10000);
  v1::Invoice invoice;
  ASSERT_TRUE(api.invoices().CreateInvoice(ApiClient::Context(key).get(), invoice_request, &invoice).ok());

  PgConnection lock(database.url());
  ASSERT_EQ(PQstatus(lock.conn), CONNECTION_OK) << PQerrorMessage(lock.conn);
  ASSERT_TRUE(lock.Exec("BEGIN"));
  ASSERT_TRUE(lock.Exec("SELECT 1 FROM invoices WHERE invoice_id = " + invoice.id() + " FOR UPDATE"));

  grpc::Status update_status;
  v1::Invoice updated;
  std::thread in_flight([&] {
    v1::UpdateInvoiceRequest request;
    request.set_invoice_id(invoice.id());
    request.set_version(invoice.version());
    request.set_po_number("finished during shutdown");
    request.mutable_update_mask()->add_paths("po_number");
    update_status =
        api.invoices().UpdateInvoice(ApiClient::Context(key, std::chrono::seconds(60)).get(), request, &updated);
  });
  bool blocked = Eventually(
      [&] {
        return QueryScalar(database.url(),
                           "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event_type = 'Lock'") != "0";
      },
      std::chrono::seconds(20));
  EXPECT_TRUE(blocked) << "the UpdateInvoice call never waited for the row lock";

  server.Signal(SIGTERM);
  EXPECT_TRUE(
      Eventually([&] { return server.log().find("received signal") != std::string::npos; }, std::chrono::seconds(10)));
  ASSERT_TRUE(lock.Exec("COMMIT"));
  in_flight.join();

  EXPECT_TRUE(update_status.ok()) << StatusText(update_status);
  EXPECT_EQ(updated.po_number(), "finished during shutdown");
  EXPECT_EQ(server.WaitForExit(std::chrono::seconds(30)), std::optional<int>(0));
  EXPECT_EQ(QueryScalar(database.url(), "SELECT po_number FROM invoices WHERE invoice_id = " + invoice.id()),
            "finished during shutdown");
}

// main.cc: an unreachable database stops the start-up at once: exit code 1,
// a "refusing to start" line naming the database (password masked), and
// never a ready line.
TEST_F(ServerLifecycleTest, UnreachableDatabaseExitsWithClearMessage) {
  std::string url = "postgresql:///invoicehub?host=/nonexistent-e2e-socket-dir&port=5432&user=postgres&password=s3cret";
  ServerProcess& server = Start(url);
  std::optional<int> code = server.WaitForExit(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value()) << "the server kept running without a database";
  EXPECT_EQ(*code, 1);
  std::string log = server.log();
  EXPECT_THAT(log, HasSubstr("refusing to start"));
  EXPECT_THAT(log, HasSubstr("cannot connect to the database"));
  EXPECT_THAT(log, HasSubstr("nonexistent-e2e-socket-dir"));
  EXPECT_THAT(log, Not(HasSubstr("s3cret")));
  EXPECT_THAT(log, Not(HasSubstr("ready grpc_port")));
}

// main.cc / config.cc: invalid configuration exits 2 before anything starts,
// naming the offending flag.
TEST_F(ServerLifecycleTest, InvalidFlagsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  std::string url = "postgresql:///invoicehub?host=/nonexistent-e2e-socket-dir";
  std::vector<Case> cases = {
      {{"--database_url=" + url, "--grpc_listen=nonsense", "--http_listen=127.0.0.1:0"}, "--grpc_listen"},
      {{"--database_url=" + url, "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:99999"}, "--http_listen"},
      {{"--database_url=" + url, "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0", "--operator_key=short"},
       "--operator_key"},
      {{"--database_url=" + url, "--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0", "--log_level=loud"},
       "--log_level"},
      {{"--grpc_listen=127.0.0.1:0", "--http_listen=127.0.0.1:0"}, "--database_url"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flag);
    ServerProcess::Options options;
    options.operator_key = "";
    options.default_listen_flags = false;
    options.extra_args = c.args;
    ServerProcess& server = Start(options);
    std::optional<int> code = server.WaitForExit(std::chrono::seconds(20));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2);
    EXPECT_THAT(server.log(), HasSubstr(c.flag));
    EXPECT_THAT(server.log(), Not(HasSubstr("ready grpc_port")));
  }
}

// DESIGN conventions: "Config ... printed (secrets masked) at start. Secrets
// never appear in logs or errors." Neither the database password (as a URL
// parameter or in the user-info part) nor the operator key nor an issued API
// key reaches the log, during start-up, calls or shutdown.
TEST_F(ServerLifecycleTest, LogNeverShowsSecrets) {
  ScratchDatabase database;
  const std::string password = "s3cretPassw0rd";
  std::string as_parameter = database.url() + "&password=" + password;
  std::string as_userinfo = database.url();
  as_userinfo.replace(0, std::string("postgresql://").size(), "postgresql://postgres:" + password + "@");
  ASSERT_TRUE(as_userinfo.starts_with("postgresql://postgres:" + password + "@/")) << as_userinfo;

  // The keyword/value form libpq also accepts.
  std::smatch parts;
  ASSERT_TRUE(std::regex_search(database.url(), parts, std::regex(R"(host=([^&]+)&port=(\d+))")));
  std::string as_keywords = "host=" + parts[1].str() + " port=" + parts[2].str() + " dbname=" + database.name() +
                            " user=postgres password=" + password;

  for (const std::string& url : {as_parameter, as_userinfo, as_keywords}) {
    SCOPED_TRACE(url);
    ServerProcess& server = Start(url);
    ASSERT_TRUE(server.WaitUntilReady());
    ApiClient api(server.grpc_address());
    v1::CreateCompanyRequest request;
    request.mutable_company()->set_display_name(Unique("Secretive AG"));
    request.mutable_company()->set_default_currency_code("EUR");
    v1::CreateCompanyResponse created;
    ASSERT_TRUE(api.admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &created).ok());
    v1::ListCustomersResponse customers;
    EXPECT_TRUE(
        api.customers()
            .ListCustomers(ApiClient::Context(created.admin_key_secret()).get(), v1::ListCustomersRequest(), &customers)
            .ok());
    // A refused call with a near-miss key must not log it either.
    std::string wrong = created.admin_key_secret() + "x";
    EXPECT_EQ(api.customers()
                  .ListCustomers(ApiClient::Context(wrong).get(), v1::ListCustomersRequest(), &customers)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(server.Stop(SIGTERM), 0);

    std::string log = server.log();
    EXPECT_THAT(log, HasSubstr("operator_key=(set, hidden)"));
    EXPECT_THAT(log, HasSubstr("database_url="));
    EXPECT_THAT(log, Not(HasSubstr(password)));
    EXPECT_THAT(log, Not(HasSubstr(kOperatorKey)));
    EXPECT_THAT(log, Not(HasSubstr(created.admin_key_secret())));
  }
}

// DESIGN http/: /readyz answers 503 while the database is unreachable (and
// /healthz still 200: the process lives); calls answer UNAVAILABLE, which
// clients may retry; once the database is back, the server recovers without
// a restart.
TEST_F(ServerLifecycleTest, ReadinessFollowsTheDatabase) {
  ScratchDatabase database;
  ServerProcess& server = Start(database.url());
  ASSERT_TRUE(server.WaitUntilReady());
  ApiClient api(server.grpc_address());
  v1::CreateCompanyRequest request;
  request.mutable_company()->set_display_name("Outage AG");
  request.mutable_company()->set_default_currency_code("EUR");
  v1::CreateCompanyResponse created;
  ASSERT_TRUE(api.admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &created).ok());
  auto list = [&] {
    v1::ListCustomersResponse customers;
    return api.customers().ListCustomers(ApiClient::Context(created.admin_key_secret()).get(),
                                         v1::ListCustomersRequest(), &customers);
  };

  std::string cluster = invoicehub::testing::TestClusterUrl();
  std::string name = database.name();
  ExecSql(cluster, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  ExecSql(cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");

  HttpAnswer answer;
  EXPECT_TRUE(Eventually(
      [&] {
        answer = HttpGet(server.http_port(), "/readyz");
        return answer.status == 503;
      },
      std::chrono::seconds(20)))
      << "last /readyz: " << answer.status << " " << answer.body;
  EXPECT_EQ(HttpGet(server.http_port(), "/healthz").status, 200);
  grpc::Status during = list();
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE) << StatusText(during);

  ExecSql(cluster, "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  EXPECT_TRUE(
      Eventually([&] { return HttpGet(server.http_port(), "/readyz").status == 200; }, std::chrono::seconds(20)));
  EXPECT_TRUE(Eventually([&] { return list().ok(); }, std::chrono::seconds(20)));
  EXPECT_EQ(server.Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace invoicehub::e2e
