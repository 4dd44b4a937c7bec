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
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "invoicehub/v1/admin_service.pb.h"
#include "invoicehub/v1/common.pb.h"
#include "invoicehub/v1/customer_service.pb.h"
#include "invoicehub/v1/invoice_service.pb.h"
#include "invoicehub/v1/payment_service.pb.h"
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
// The rule of the PreconditionFailure in a FAILED_PRECONDITION status'
// details ("LIFECYCLE", "LC-1", "BP-8"...); "" when there is none.
std::string PreconditionRule(const grpc::Status& status);

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b);

v1::Date MakeDate(int year, int month, int day);
// "2024-03-10".
std::string DateText(const v1::Date& date);
v1::InvoiceLine Line(const std::string& description, const std::string& quantity, int64_t unit_price_minor,
                     const std::string& tax_rate_percent = "", const std::string& currency = "");

// The four lifecycle moves of InvoiceService.
enum class Move { kFinalize, kReissue, kRevertToDraft, kVoid };
// The RPC's name, e.g. "FinalizeInvoice" (also the audit log's action).
const char* MoveName(Move move);

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
  // A draft with `lines` (issued 2024-03-10), then finalized (LC-2).
  static v1::Invoice NewFinalInvoice(const std::string& key, const std::string& customer_id,
                                     const std::vector<v1::InvoiceLine>& lines);
  // A finalized NewInvoice.
  static v1::Invoice NewFinalInvoice(const std::string& key, const std::string& customer_id);
  static v1::Invoice GetInvoice(const std::string& key, const std::string& invoice_id);

  // Every item of a paged List RPC `list` of `stub` with `key`: `request`
  // (whose page size and filters are the caller's), then page after page by
  // next_page_token. An error status fails the test and ends the listing; so
  // does a 101st page. `pages` (if given) gets the number of pages read.
  // E.g. AllPages(api().invoices(), &v1::InvoiceService::Stub::ListInvoices,
  //               &v1::ListInvoicesResponse::invoices, key, request).
  template <typename Stub, typename Request, typename Response, typename Item>
  static std::vector<Item> AllPages(Stub& stub,
                                    grpc::Status (Stub::*list)(grpc::ClientContext*, const Request&, Response*),
                                    const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
                                    const std::string& key, Request request, int* pages = nullptr) {
    std::vector<Item> all;
    int count = 0;
    do {
      Response response;
      grpc::Status status = (stub.*list)(ApiClient::Context(key).get(), request, &response);
      EXPECT_TRUE(status.ok()) << StatusText(status);
      if (!status.ok() || ++count > 100) break;
      all.insert(all.end(), (response.*items)().begin(), (response.*items)().end());
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    if (pages != nullptr) *pages = count;
    return all;
  }

  // One of the four lifecycle moves with `version` (VoidInvoice with
  // `reason`); `response` may be null.
  static grpc::Status MoveInvoice(const std::string& key, Move move, const std::string& invoice_id, int64_t version,
                                  v1::Invoice* response = nullptr, const std::string& reason = "e2e test",
                                  const std::string& request_id = "");
  // `invoice` moved (at its version) with `key`; expects success.
  static v1::Invoice Moved(const std::string& key, const v1::Invoice& invoice, Move move);

  // PaymentService.RecordPayment of `amount_minor` in `currency`, allocated
  // as given ({invoice id, minor units}); expects success.
  static v1::Payment NewPayment(const std::string& key, const std::string& customer_id, int64_t amount_minor,
                                const std::vector<std::pair<std::string, int64_t>>& allocations = {},
                                const std::string& currency = "CHF");
  static v1::Payment GetPayment(const std::string& key, const std::string& payment_id);

  // AdminService.CheckLedger with an ADMIN key of the company.
  static v1::CheckLedgerResponse CheckLedger(const std::string& admin_key);
  // The differences of a ledger report, one per line, for failure messages.
  static std::string LedgerText(const v1::CheckLedgerResponse& report);

 private:
  static TestServer* shared_;
};

// A suite whose every test gets a new company with its admin key, a clerk
// key and one customer (in CHF, 30 days' terms).
class CompanyWithClerkTest : public E2eTest {
 protected:
  void SetUp() override;
  // " WHERE company_id = <the company>", for SQL counts.
  std::string Where() const;

  v1::Invoice Get(const std::string& id) const { return GetInvoice(clerk_, id); }
  // `invoice` moved (at its version) by the clerk; expects success.
  using E2eTest::Moved;
  v1::Invoice Moved(const v1::Invoice& invoice, Move move) const { return Moved(clerk_, invoice, move); }

  v1::CreateCompanyResponse company_;
  std::string admin_, clerk_;
  v1::Customer customer_;
};

}  // namespace invoicehub::e2e
