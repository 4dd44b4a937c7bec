#pragma once
// Shared pieces of the e2e tests: a fixture that gives each test suite its
// own scratch database and its own running server, and small builders and
// checkers for requests and answers.
//
// Tests of one suite share the server, so each test makes its own companies
// (NewCompany) and counts rows per company or compares counts before and
// after: tests stay independent, in any order, and whether ctest runs them
// one per process (as gtest_discover_tests does) or all in one.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "invoicehub/v1/common.pb.h"
#include "tests/e2e/server_process.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::e2e {

// A scratch database with a ready server on it.
struct TestServer {
  TestServer();
  invoicehub::testing::ScratchDatabase database;
  ServerProcess process;
  ::testing::AssertionResult ready;
  std::unique_ptr<ApiClient> api;
};

// "prefix-<pid>-<n>": unique within the test run.
std::string Unique(const std::string& prefix);

// `text` with every `from` replaced by `to`.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to);

// "code MESSAGE" of a status, for failure messages.
std::string StatusText(const grpc::Status& status);

// The field paths of the BadRequest in an INVALID_ARGUMENT status' details
// (in order); empty when there is none.
std::vector<std::string> ViolationFields(const grpc::Status& status);
// The description of the violation of `field` ("" if absent).
std::string ViolationDescription(const grpc::Status& status, const std::string& field);

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b);

v1::Date MakeDate(int year, int month, int day);
v1::InvoiceLine Line(const std::string& description, const std::string& quantity, int64_t unit_price_minor,
                     const std::string& tax_rate_percent = "", const std::string& currency = "");

class E2eTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  void TearDown() override;

  static TestServer& server() { return *shared_; }
  static ApiClient& api() { return *shared_->api; }
  static const std::string& db_url() { return shared_->database.url(); }

  // One value from the test database, e.g. Count("SELECT count(*) FROM ...").
  static std::string Sql(const std::string& query);
  static int64_t Count(const std::string& query);

  // A new company made with the operator key; the response holds its id and
  // the secret of its first ADMIN key.
  static v1::CreateCompanyResponse NewCompany(const std::string& display_name = "", const std::string& currency = "CHF",
                                              const std::string& time_zone = "Europe/Zurich");
  // A new key of `role` made with an admin key; returns the secret.
  static std::string NewKey(const std::string& admin_secret, v1::Role role);
  static v1::CreateApiKeyResponse NewKeyResponse(const std::string& admin_secret, v1::Role role);
  static v1::Customer NewCustomer(const std::string& key, const std::string& display_name = "",
                                  const std::string& email = "", int payment_terms_days = 30);
  // A draft with one line 1.5 x 150.00 at 8.1% issued on `issue_date`.
  static v1::Invoice NewInvoice(const std::string& key, const std::string& customer_id,
                                const v1::Date& issue_date = MakeDate(2024, 3, 10));

 private:
  static TestServer* shared_;
};

}  // namespace invoicehub::e2e
