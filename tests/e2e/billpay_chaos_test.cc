// The chaos run of the bill-pay integration (BP-1, BP-3, BP-4, BP-8, BP-9,
// BP-10, BP-11, BP-12, several replicas). Two servers on one database; a
// sandbox that fails 30% of its calls, is slow, answers some changes only
// after the caller gave up, and delivers webhooks twice and out of order; a
// seeded random mix of everything clerks and payers do, on two companies;
// one server killed with SIGKILL while it holds outbox rows and started
// again later; the sandbox restarted once. Then the faults stop, everything
// settles, and both sides must tell the same story: same invoices, amounts,
// Pay Now URLs and payments, nothing twice on either side, a clean ledger,
// and every outbox row dispatched once between the servers.
//
// INVOICEHUB_CHAOS_SEED=<n> repeats a run's choices (timing still varies);
// the seed of each run is printed first. INVOICEHUB_E2E_KEEP_LOGS and
// INVOICEHUB_KEEP_SANDBOX_LOGS keep the servers' and the sandbox's logs.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "invoicehub/v1/sync_service.pb.h"
#include "tests/e2e/e2e_fixture.h"
#include "tests/e2e/server_process.h"
#include "tests/support/concurrently.h"
#include "tests/support/sandbox_process.h"
#include "tests/support/scratch_database.h"

namespace invoicehub::e2e {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using grpc::StatusCode;

constexpr int kOperations = 240;
constexpr int kKillAt = 80;             // replica B is killed before this operation...
constexpr int kRestartAt = 140;         // ...and started again before this one;
constexpr int kSandboxRestartAt = 190;  // the sandbox restarts before this one.
// Replica B stays down at least this long, so that webhooks sent to it run
// out of attempts and only the import can bring their payments (BP-12).
constexpr auto kMinDowntime = std::chrono::seconds(3);
constexpr size_t kCustomersAtStart = 2;
constexpr size_t kMaxCustomers = 5;
constexpr auto kSettleTimeout = std::chrono::seconds(90);

// The sandbox's faults while the clerks and payers work. A webhook copy is
// given up after 4 failed attempts (about 1.5 s), so that the ones sent to a
// dead replica are lost.
const std::vector<std::string> kFaultFlags = {"--error_rate=0.3",
                                              "--latency_ms=50",
                                              "--timeout_after_commit_rate=0.1",
                                              "--hang_ms=1500",
                                              "--webhook_duplicate_rate=0.5",
                                              "--webhook_max_delay_ms=500",
                                              "--webhook_max_attempts=4"};

// Quick leases and timeouts, so hung calls and a dead server's rows come back
// soon; many attempts, so that no row is parked by bad luck.
const std::vector<std::string> kReplicaFlags = {"--sync_max_attempts=100", "--billpay_timeout_ms=1000",
                                                "--sync_lease_seconds=5", "--sync_retry_base_ms=50"};

enum class Op {
  kFinalizeNew,
  kPayInSandbox,
  kReverseInSandbox,
  kReissue,
  kRevertToDraft,
  kVoid,
  kApplyPrepayment,
  kRecordPayment,
  kImport,
  kNewCustomer,
};

struct OpKind {
  Op op;
  int weight;
};

constexpr OpKind kOpKinds[] = {
    {Op::kFinalizeNew, 26},   {Op::kPayInSandbox, 22}, {Op::kReverseInSandbox, 6}, {Op::kReissue, 10},
    {Op::kRevertToDraft, 10}, {Op::kVoid, 3},          {Op::kApplyPrepayment, 9},  {Op::kRecordPayment, 8},
    {Op::kImport, 3},         {Op::kNewCustomer, 3},
};

const char* CodeName(StatusCode code) {
  switch (code) {
    case StatusCode::OK: return "OK";
    case StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case StatusCode::NOT_FOUND: return "NOT_FOUND";
    case StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case StatusCode::ABORTED: return "ABORTED";
    case StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case StatusCode::INTERNAL: return "INTERNAL";
    default: return "OTHER";
  }
}

uint64_t ChaosSeed() {
  if (const char* text = std::getenv("INVOICEHUB_CHAOS_SEED"); text != nullptr && *text != '\0')
    return std::stoull(text);
  return std::random_device{}() % 1000000000 + 1;  // the sandbox takes 0 as "pick one"
}

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = std::chrono::milliseconds(100)) {
  Clock::time_point deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Every item of a paged List RPC (see E2eTest::AllPages), with the largest
// page the API allows.
template <typename Stub, typename Request, typename Response, typename Item>
std::vector<Item> EveryItem(Stub& stub, grpc::Status (Stub::*list)(grpc::ClientContext*, const Request&, Response*),
                            const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const,
                            const std::string& key, Request request) {
  std::vector<Item> all;
  request.set_page_size(500);
  for (int page = 0; page < 100; ++page) {
    Response response;
    grpc::Status status = (stub.*list)(ApiClient::Context(key).get(), request, &response);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    if (!status.ok()) break;
    all.insert(all.end(), (response.*items)().begin(), (response.*items)().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  return all;
}

grpc::Status MoveOn(ApiClient& api, const std::string& key, Move move, const std::string& invoice_id, int64_t version,
                    v1::Invoice* out) {
  auto context = ApiClient::Context(key);
  const std::string request_id = Unique("chaos-move");
  switch (move) {
    case Move::kFinalize: {
      v1::FinalizeInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api.invoices().FinalizeInvoice(context.get(), request, out);
    }
    case Move::kReissue: {
      v1::ReissueInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api.invoices().ReissueInvoice(context.get(), request, out);
    }
    case Move::kRevertToDraft: {
      v1::RevertInvoiceToDraftRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api.invoices().RevertInvoiceToDraft(context.get(), request, out);
    }
    case Move::kVoid: {
      v1::VoidInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_reason("chaos run");
      request.set_request_id(request_id);
      return api.invoices().VoidInvoice(context.get(), request, out);
    }
  }
  return grpc::Status(StatusCode::INTERNAL, "unknown move");
}

// The rows of `expression` (columns joined with '|') of `from`, e.g.
// SqlRows(url, "concat_ws('|', a, b)", "t WHERE ..."), each split into its columns.
std::vector<std::vector<std::string>> SqlRows(const std::string& url, const std::string& expression,
                                              const std::string& from) {
  std::string text =
      invoicehub::testing::QueryScalar(url, "SELECT coalesce(string_agg(" + expression + ", E'\\n'), '') FROM " + from);
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> columns;
    std::istringstream fields(line);
    for (std::string field; std::getline(fields, field, '|');) columns.push_back(field);
    rows.push_back(std::move(columns));
  }
  return rows;
}

// One invoicehub-server of the deployment; `api` is null while it is down.
struct Replica {
  std::string name;
  std::unique_ptr<ServerProcess> process;
  std::unique_ptr<ApiClient> api;
};

// A company linked to its own sandbox account.
struct Tenant {
  std::string company_id;
  std::string admin;
  std::string clerk;
  testing::SandboxAccount account;
  size_t webhook_replica = 0;  // whose HTTP listener gets the account's webhooks
  std::vector<std::string> customers;
};

// What the run did, for the summary.
struct Tally {
  std::map<std::string, int> done;
  std::map<std::string, int> refused;  // "kind CODE (rule)"
  std::map<std::string, int> skipped;  // nothing to do at that moment
  int zero_total_invoices = 0;
  int rows_pending_at_kill = 0;
  int rows_leased_by_killed = 0;
  std::map<std::string, int> imported;  // by the heal's imports: recorded, reversed, unchanged, unmatched
};

class BillPayChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    started_ = Clock::now();
    seed_ = ChaosSeed();
    random_.seed(seed_);
    std::cout << "[chaos] seed=" << seed_ << " (INVOICEHUB_CHAOS_SEED=" << seed_ << " repeats the choices)"
              << std::endl;
    database_ = std::make_unique<invoicehub::testing::ScratchDatabase>();
    std::vector<std::string> sandbox_flags = kFaultFlags;
    sandbox_flags.push_back("--seed=" + std::to_string(seed_));
    sandbox_ = std::make_unique<testing::SandboxProcess>(sandbox_flags);
    ASSERT_TRUE(sandbox_->ready()) << "the sandbox did not start";
    // One after the other: the first one migrates the new database.
    replicas_[0].name = "A";
    replicas_[1].name = "B";
    for (size_t index = 0; index < replicas_.size(); ++index) {
      StartReplica(index);
      if (HasFatalFailure()) return;
    }
    for (size_t index = 0; index < 2; ++index) {
      tenants_.push_back(NewTenant(index));
      if (HasFailure()) return;
    }
  }

  void TearDown() override {
    if (!HasFailure()) return;
    if (sandbox_ != nullptr) std::cerr << sandbox_->LogForDiagnostics(80);
    for (const auto& [name, process] : retired_)
      std::cerr << "replica " << name << " (killed):" << process->LogForDiagnostics(80);
    for (const Replica& replica : replicas_)
      if (replica.process != nullptr)
        std::cerr << "replica " << replica.name << ":" << replica.process->LogForDiagnostics(80);
    std::cerr << "[chaos] seed=" << seed_ << " failed; INVOICEHUB_CHAOS_SEED=" << seed_ << " repeats its choices\n";
  }

  // ----- the deployment

  ServerProcess::Options ReplicaOptions() const {
    ServerProcess::Options options = ServerProcess::Options::OnDatabase(database_->url());
    options.extra_args = kReplicaFlags;
    return options;
  }

  void StartReplica(size_t index) {
    Replica& replica = replicas_[index];
    replica.process = std::make_unique<ServerProcess>(ReplicaOptions());
    ASSERT_TRUE(replica.process->WaitUntilReady()) << "replica " << replica.name;
    replica.api = std::make_unique<ApiClient>(replica.process->grpc_address());
  }

  std::string WebhookUrl(size_t replica, const std::string& company_id) const {
    return "http://127.0.0.1:" + std::to_string(replicas_[replica].process->http_port()) + "/webhooks/billpay/" +
           company_id;
  }

  // The clients spread their calls over the replicas that are up.
  ApiClient& Client() {
    for (size_t tries = 0; tries < replicas_.size(); ++tries) {
      Replica& replica = replicas_[next_replica_++ % replicas_.size()];
      if (replica.api != nullptr) return *replica.api;
    }
    ADD_FAILURE() << "no replica is up";
    return *replicas_[0].api;
  }

  Tenant NewTenant(size_t index) {
    Tenant tenant;
    ApiClient& api = *replicas_[index].api;
    v1::CreateCompanyRequest company;
    company.mutable_company()->set_display_name(Unique("Chaos AG"));
    company.mutable_company()->set_default_currency_code("CHF");
    company.mutable_company()->set_time_zone("Europe/Zurich");
    v1::CreateCompanyResponse created;
    grpc::Status status = api.admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), company, &created);
    EXPECT_TRUE(status.ok()) << "CreateCompany: " << StatusText(status);
    tenant.company_id = created.company().id();
    tenant.admin = created.admin_key_secret();

    v1::CreateApiKeyRequest key;
    key.set_display_name(Unique("clerk"));
    key.set_role(v1::ROLE_CLERK);
    v1::CreateApiKeyResponse clerk;
    status = api.admin().CreateApiKey(ApiClient::Context(tenant.admin).get(), key, &clerk);
    EXPECT_TRUE(status.ok()) << "CreateApiKey: " << StatusText(status);
    tenant.clerk = clerk.secret();

    // BP-6: each company its own account; their webhooks come to different replicas.
    tenant.webhook_replica = index;
    tenant.account = sandbox_->CreateAccount(Unique("chaos-account"), WebhookUrl(index, tenant.company_id));
    v1::SetBillPayAccountRequest link;
    link.set_base_url(sandbox_->base_url());
    link.set_api_key(tenant.account.api_key);
    link.set_webhook_secret(tenant.account.webhook_secret);
    link.set_enabled(true);
    v1::BillPayAccount linked;
    status = api.sync().SetBillPayAccount(ApiClient::Context(tenant.admin).get(), link, &linked);
    EXPECT_TRUE(status.ok()) << "SetBillPayAccount: " << StatusText(status);

    for (size_t i = 0; i < kCustomersAtStart; ++i) tenant.customers.push_back(NewCustomer(api, tenant));
    return tenant;
  }

  std::string NewCustomer(ApiClient& api, const Tenant& tenant) {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_display_name(Unique("Chaos customer"));
    request.mutable_customer()->set_email(Unique("ap") + "@example.com");
    request.mutable_customer()->set_payment_terms_days(30);
    request.set_request_id(Unique("chaos-customer"));
    v1::Customer customer;
    grpc::Status status = api.customers().CreateCustomer(ApiClient::Context(tenant.clerk).get(), request, &customer);
    EXPECT_TRUE(status.ok()) << "CreateCustomer: " << StatusText(status);
    return customer.id();
  }

  // ----- random choices (all in the driving thread, so a seed repeats them)

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  int64_t Uniform64(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Uniform(0, static_cast<int>(items.size()) - 1))];
  }
  Tenant& AnyTenant() { return tenants_[static_cast<size_t>(Uniform(0, static_cast<int>(tenants_.size()) - 1))]; }

  std::vector<v1::InvoiceLine> RandomLines() {
    if (Chance(0.1)) return {Line("Goodwill", "1", 0)};  // BP-2: nothing to send
    std::vector<v1::InvoiceLine> lines;
    static const std::vector<std::string> kQuantities = {"1", "2", "1.5", "3", "0.25"};
    for (int i = 0, n = Uniform(1, 3); i < n; ++i)
      lines.push_back(
          Line("Work " + std::to_string(i + 1), Pick(kQuantities), Uniform(500, 40000), Chance(0.5) ? "8.1" : ""));
    return lines;
  }

  // ----- outcome bookkeeping

  // True for OK. A code in `allowed` is a refusal the situation explains: it
  // is counted for `kind`. Anything else fails the test.
  bool Accept(const grpc::Status& status, const std::string& kind, std::initializer_list<StatusCode> allowed) {
    if (status.ok()) return true;
    if (std::find(allowed.begin(), allowed.end(), status.error_code()) == allowed.end()) {
      ADD_FAILURE() << kind << ": unexpected answer " << StatusText(status);
      return false;
    }
    std::string rule = PreconditionRule(status);
    ++tally_.refused[kind + " " + CodeName(status.error_code()) + (rule.empty() ? "" : " (" + rule + ")")];
    return false;
  }

  // ----- reads

  v1::Invoice Read(const Tenant& tenant, const std::string& invoice_id) {
    v1::GetInvoiceRequest request;
    request.set_invoice_id(invoice_id);
    v1::Invoice invoice;
    grpc::Status status = Client().invoices().GetInvoice(ApiClient::Context(tenant.clerk).get(), request, &invoice);
    EXPECT_TRUE(status.ok()) << "GetInvoice " << invoice_id << ": " << StatusText(status);
    return invoice;
  }

  v1::Payment ReadPayment(const Tenant& tenant, const std::string& payment_id) {
    v1::GetPaymentRequest request;
    request.set_payment_id(payment_id);
    v1::Payment payment;
    grpc::Status status = Client().payments().GetPayment(ApiClient::Context(tenant.clerk).get(), request, &payment);
    EXPECT_TRUE(status.ok()) << "GetPayment " << payment_id << ": " << StatusText(status);
    return payment;
  }

  std::vector<v1::Invoice> Invoices(const Tenant& tenant, const std::string& customer_id = "") {
    v1::ListInvoicesRequest request;
    request.set_customer_id(customer_id);
    return EveryItem(Client().invoices(), &v1::InvoiceService::Stub::ListInvoices, &v1::ListInvoicesResponse::invoices,
                     tenant.clerk, request);
  }

  std::vector<v1::Invoice> InvoicesIn(const Tenant& tenant, std::initializer_list<v1::InvoiceState> states,
                                      const std::string& customer_id = "") {
    std::vector<v1::Invoice> found;
    for (const v1::Invoice& invoice : Invoices(tenant, customer_id))
      if (std::find(states.begin(), states.end(), invoice.state()) != states.end()) found.push_back(invoice);
    return found;
  }

  std::vector<v1::Payment> Payments(const Tenant& tenant, const std::string& customer_id = "") {
    v1::ListPaymentsRequest request;
    request.set_customer_id(customer_id);
    return EveryItem(Client().payments(), &v1::PaymentService::Stub::ListPayments, &v1::ListPaymentsResponse::payments,
                     tenant.clerk, request);
  }

  std::vector<v1::SyncEvent> SyncEvents(const Tenant& tenant, v1::SyncEventState state) {
    v1::ListSyncEventsRequest request;
    request.set_state(state);
    return EveryItem(Client().sync(), &v1::SyncService::Stub::ListSyncEvents, &v1::ListSyncEventsResponse::events,
                     tenant.admin, request);
  }

  std::vector<v1::InboxEvent> InboxEvents(const Tenant& tenant, v1::InboxEventState state) {
    v1::ListInboxEventsRequest request;
    request.set_state(state);
    return EveryItem(Client().sync(), &v1::SyncService::Stub::ListInboxEvents, &v1::ListInboxEventsResponse::events,
                     tenant.admin, request);
  }

  std::string SyncEventsText(const Tenant& tenant, v1::SyncEventState state) {
    std::string text;
    for (const v1::SyncEvent& event : SyncEvents(tenant, state))
      text += "  company " + tenant.company_id + " sync event " + event.id() + " " + event.action() +
              " invoice=" + event.invoice_id() + " payment=" + event.payment_id() + " " +
              v1::SyncEventState_Name(event.state()) + " attempts=" + std::to_string(event.attempts()) +
              " result=" + event.result() + " error=" + event.last_error() + "\n";
    return text;
  }

  // The sandbox's book of `tenant`'s account.
  json Book(const Tenant& tenant, const json& state) {
    for (const json& account : state.value("accounts", json::array()))
      if (account.value("account_id", "") == tenant.account.account_id) return account;
    ADD_FAILURE() << "the sandbox has no account " << tenant.account.account_id;
    return json::object();
  }
  json Book(const Tenant& tenant) { return Book(tenant, sandbox_->State()); }

  // ----- what clerks do

  // A new invoice with random lines (some zero: BP-2), finalized (BP-1).
  void FinalizeNew(const Tenant& tenant, const std::string& customer_id) {
    ApiClient& api = Client();
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_id);
    *request.mutable_issue_date() = MakeDate(2024, 3, Uniform(1, 28));
    bool zero = false;
    for (const v1::InvoiceLine& line : RandomLines()) {
      *request.add_lines() = line;
      zero = line.unit_price().minor_units() == 0;
    }
    request.set_request_id(Unique("chaos-invoice"));
    v1::Invoice draft;
    if (!Accept(api.invoices().CreateInvoice(ApiClient::Context(tenant.clerk).get(), request, &draft), "create", {}))
      return;
    v1::Invoice final_invoice;
    if (!Accept(MoveOn(api, tenant.clerk, Move::kFinalize, draft.id(), draft.version(), &final_invoice), "finalize_new",
                {}))
      return;
    ++tally_.done["finalize_new"];
    if (zero) ++tally_.zero_total_invoices;
  }

  // BP-3: a new customer whose first invoices are finalized on both replicas
  // at once, so that their dispatchers race to create it in bill-pay.
  void NewCustomerBurst(Tenant& tenant) {
    if (tenant.customers.size() >= kMaxCustomers) {
      ++tally_.skipped["new_customer_burst"];
      return;
    }
    std::string customer_id = NewCustomer(Client(), tenant);
    tenant.customers.push_back(customer_id);
    std::vector<v1::Invoice> drafts(3);
    for (v1::Invoice& draft : drafts) {
      v1::CreateInvoiceRequest request;
      request.set_customer_id(customer_id);
      *request.mutable_issue_date() = MakeDate(2024, 3, Uniform(1, 28));
      *request.add_lines() = Line("First work", "1", Uniform(1000, 30000), "8.1");
      request.set_request_id(Unique("chaos-invoice"));
      if (!Accept(Client().invoices().CreateInvoice(ApiClient::Context(tenant.clerk).get(), request, &draft), "create",
                  {}))
        return;
    }
    std::vector<ApiClient*> clients;
    for (size_t i = 0; i < drafts.size(); ++i) clients.push_back(&Client());
    std::vector<grpc::Status> statuses(drafts.size());
    invoicehub::testing::RunConcurrently(static_cast<int>(drafts.size()), [&](int i) {
      size_t at = static_cast<size_t>(i);
      v1::Invoice ignored;
      statuses[at] =
          MoveOn(*clients[at], tenant.clerk, Move::kFinalize, drafts[at].id(), drafts[at].version(), &ignored);
    });
    for (const grpc::Status& status : statuses) Accept(status, "finalize_new", {});
    ++tally_.done["new_customer_burst"];
  }

  bool MovePossible(v1::InvoiceState state, Move move) {
    switch (move) {
      case Move::kFinalize: return state == v1::INVOICE_STATE_DRAFT || state == v1::INVOICE_STATE_REISSUE;
      case Move::kReissue: return state == v1::INVOICE_STATE_FINAL;
      case Move::kRevertToDraft: return state == v1::INVOICE_STATE_FINAL || state == v1::INVOICE_STATE_REISSUE;
      case Move::kVoid: return state == v1::INVOICE_STATE_DRAFT || state == v1::INVOICE_STATE_FINAL;
    }
    return false;
  }

  // A move as a clerk makes it: read, move, and when refused for a reason
  // that passes (ABORTED: the BP-7 import or a webhook changed the invoice;
  // FAILED_PRECONDITION BP-7: bill-pay could not be asked) read again and
  // try again, a few times. A refusal must change nothing. The moved
  // invoice, or nullopt.
  std::optional<v1::Invoice> MoveWithRetries(const Tenant& tenant, Move move, const std::string& invoice_id,
                                             const std::string& kind) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      ApiClient& api = Client();
      v1::Invoice before = Read(tenant, invoice_id);
      if (!MovePossible(before.state(), move)) {
        ADD_FAILURE() << kind << ": invoice " << invoice_id << " is " << v1::InvoiceState_Name(before.state())
                      << ", but only this test moves invoices";
        return std::nullopt;
      }
      v1::Invoice moved;
      grpc::Status status = MoveOn(api, tenant.clerk, move, invoice_id, before.version(), &moved);
      if (status.ok()) return moved;
      bool back = move == Move::kReissue || move == Move::kRevertToDraft;
      if (!Accept(status, kind, {StatusCode::ABORTED, StatusCode::FAILED_PRECONDITION})) return std::nullopt;
      v1::Invoice after = Read(tenant, invoice_id);
      EXPECT_EQ(after.state(), before.state())
          << kind << " was refused (" << StatusText(status) << ") but invoice " << invoice_id << " moved";
      if (status.error_code() == StatusCode::FAILED_PRECONDITION) {
        std::string rule = PreconditionRule(status);
        if (move == Move::kVoid) {
          // FINAL -> VOID only with nothing paid: a webhook may have paid it meanwhile.
          EXPECT_GT(after.applied().minor_units(), 0) << "void refused: " << StatusText(status);
          return std::nullopt;
        }
        EXPECT_TRUE(back && rule == "BP-7") << kind << ": " << StatusText(status) << " rule " << rule;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    ++tally_.skipped[kind + " (gave up after refusals)"];
    return std::nullopt;
  }

  // LC-1: new lines on a DRAFT or REISSUE invoice.
  void EditLines(const Tenant& tenant, const std::string& invoice_id) {
    std::vector<v1::InvoiceLine> lines = RandomLines();
    for (int attempt = 0; attempt < 3; ++attempt) {
      v1::Invoice current = Read(tenant, invoice_id);
      v1::UpdateInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(current.version());
      for (const v1::InvoiceLine& line : lines) *request.add_lines() = line;
      request.mutable_update_mask()->add_paths("lines");
      request.set_request_id(Unique("chaos-edit"));
      v1::Invoice edited;
      grpc::Status status = Client().invoices().UpdateInvoice(ApiClient::Context(tenant.clerk).get(), request, &edited);
      if (Accept(status, "edit_lines", {StatusCode::ABORTED})) return;
    }
  }

  // BP-7, BP-8, BP-11: FINAL -> REISSUE, maybe new lines, mostly FINAL again.
  void ReissueAndRefinalize(const Tenant& tenant) {
    std::vector<v1::Invoice> finals = InvoicesIn(tenant, {v1::INVOICE_STATE_FINAL});
    if (finals.empty()) {
      ++tally_.skipped["reissue_refinalize"];
      return;
    }
    std::string id = Pick(finals).id();
    if (!MoveWithRetries(tenant, Move::kReissue, id, "reissue")) return;
    if (Chance(0.7)) EditLines(tenant, id);
    if (Chance(0.8) && MoveWithRetries(tenant, Move::kFinalize, id, "refinalize")) ++tally_.done["refinalize"];
    ++tally_.done["reissue_refinalize"];
  }

  // BP-7, BP-8, BP-9: FINAL or REISSUE -> DRAFT, maybe new lines, mostly FINAL again.
  void RevertAndRefinalize(const Tenant& tenant) {
    std::vector<v1::Invoice> candidates = InvoicesIn(tenant, {v1::INVOICE_STATE_FINAL, v1::INVOICE_STATE_REISSUE});
    if (candidates.empty()) {
      ++tally_.skipped["revert_refinalize"];
      return;
    }
    std::string id = Pick(candidates).id();
    if (!MoveWithRetries(tenant, Move::kRevertToDraft, id, "revert_to_draft")) return;
    ++reverts_to_draft_[tenant.company_id + "/" + id];
    if (Chance(0.5)) EditLines(tenant, id);
    if (Chance(0.75) && MoveWithRetries(tenant, Move::kFinalize, id, "refinalize")) ++tally_.done["refinalize"];
    ++tally_.done["revert_refinalize"];
  }

  void Void(const Tenant& tenant) {
    std::vector<v1::Invoice> candidates;
    for (const v1::Invoice& invoice : InvoicesIn(tenant, {v1::INVOICE_STATE_DRAFT, v1::INVOICE_STATE_FINAL}))
      if (invoice.state() == v1::INVOICE_STATE_DRAFT || invoice.applied().minor_units() == 0)
        candidates.push_back(invoice);
    if (candidates.empty()) {
      ++tally_.skipped["void"];
      return;
    }
    if (MoveWithRetries(tenant, Move::kVoid, Pick(candidates).id(), "void")) ++tally_.done["void"];
  }

  // BP-8: a customer's open prepayment applied to one of its FINAL or
  // REISSUE invoices; bill-pay gets it as a payment of its own.
  void ApplyPrepayment(const Tenant& tenant) {
    const std::string& customer_id = Pick(tenant.customers);
    v1::ListPrepaymentsRequest list;
    list.set_customer_id(customer_id);
    v1::ListPrepaymentsResponse open;
    grpc::Status status = Client().payments().ListPrepayments(ApiClient::Context(tenant.clerk).get(), list, &open);
    EXPECT_TRUE(status.ok()) << "ListPrepayments: " << StatusText(status);
    std::vector<v1::Invoice> targets;
    for (const v1::Invoice& invoice :
         InvoicesIn(tenant, {v1::INVOICE_STATE_FINAL, v1::INVOICE_STATE_REISSUE}, customer_id))
      if (invoice.outstanding().minor_units() > 0) targets.push_back(invoice);
    if (open.payments().empty() || targets.empty()) {
      ++tally_.skipped["apply_prepayment"];
      return;
    }
    const v1::Payment& payment = open.payments(Uniform(0, open.payments_size() - 1));
    const v1::Invoice& invoice = Pick(targets);
    v1::ApplyPrepaymentRequest request;
    request.set_payment_id(payment.id());
    request.set_invoice_id(invoice.id());
    std::optional<int64_t> amount;
    if (Chance(0.3)) {
      amount =
          std::max<int64_t>(1, std::min(payment.unapplied().minor_units(), invoice.outstanding().minor_units()) / 2);
      request.mutable_amount()->set_minor_units(*amount);
    }
    request.set_request_id(Unique("chaos-apply"));
    v1::ApplyPrepaymentResponse applied;
    status = Client().payments().ApplyPrepayment(ApiClient::Context(tenant.clerk).get(), request, &applied);
    if (Accept(status, "apply_prepayment", {StatusCode::FAILED_PRECONDITION, StatusCode::INVALID_ARGUMENT})) {
      ++tally_.done["apply_prepayment"];
      return;
    }
    // Only a webhook between the read and the call explains a refusal: it
    // reversed the payment or paid the invoice.
    v1::Payment payment_now = ReadPayment(tenant, payment.id());
    v1::Invoice invoice_now = Read(tenant, invoice.id());
    int64_t wanted = amount.value_or(1);
    bool explained = payment_now.state() == v1::PAYMENT_STATE_REVERSED ||
                     payment_now.unapplied().minor_units() < wanted || invoice_now.outstanding().minor_units() < wanted;
    EXPECT_TRUE(explained) << "ApplyPrepayment refused without cause: " << StatusText(status) << "\npayment "
                           << payment_now.ShortDebugString() << "\ninvoice outstanding "
                           << invoice_now.outstanding().minor_units();
  }

  // A payment recorded here (not in bill-pay), on some FINAL invoices of a
  // customer, maybe with a prepayment left over.
  void RecordPayment(const Tenant& tenant) {
    const std::string& customer_id = Pick(tenant.customers);
    std::vector<v1::Invoice> open;
    for (const v1::Invoice& invoice : InvoicesIn(tenant, {v1::INVOICE_STATE_FINAL}, customer_id))
      if (invoice.outstanding().minor_units() > 0) open.push_back(invoice);
    std::shuffle(open.begin(), open.end(), random_);
    open.resize(std::min<size_t>(open.size(), static_cast<size_t>(Uniform(0, 2))));
    v1::RecordPaymentRequest request;
    request.set_customer_id(customer_id);
    int64_t total = 0;
    for (const v1::Invoice& invoice : open) {
      int64_t due = invoice.outstanding().minor_units();
      int64_t amount = Chance(0.5) ? due : Uniform64(1, due);
      v1::AllocationRequest* allocation = request.add_allocations();
      allocation->set_invoice_id(invoice.id());
      allocation->mutable_amount()->set_minor_units(amount);
      total += amount;
    }
    total += open.empty() ? Uniform(1000, 20000) : (Chance(0.3) ? Uniform(1, 5000) : 0);
    request.mutable_amount()->set_currency_code("CHF");
    request.mutable_amount()->set_minor_units(total);
    *request.mutable_received_date() = MakeDate(2024, 4, Uniform(1, 28));
    request.set_method(v1::PAYMENT_METHOD_WIRE);
    request.set_reference(Unique("manual"));
    request.set_request_id(Unique("chaos-payment"));
    v1::Payment payment;
    grpc::Status status = Client().payments().RecordPayment(ApiClient::Context(tenant.clerk).get(), request, &payment);
    if (Accept(status, "record_payment", {StatusCode::INVALID_ARGUMENT})) {
      ++tally_.done["record_payment"];
      return;
    }
    // Only a webhook that paid one of the invoices meanwhile explains it; and nothing was recorded.
    bool explained = false;
    for (const v1::AllocationRequest& allocation : request.allocations())
      explained |=
          Read(tenant, allocation.invoice_id()).outstanding().minor_units() < allocation.amount().minor_units();
    EXPECT_TRUE(explained) << "RecordPayment refused without cause: " << StatusText(status);
    for (const v1::Payment& recorded : Payments(tenant, customer_id))
      EXPECT_NE(recorded.reference(), request.reference()) << "a refused payment was recorded";
  }

  void ImportPayments(const Tenant& tenant) {
    v1::ImportPaymentsResponse imported;
    grpc::Status status = Client().payments().ImportPayments(ApiClient::Context(tenant.clerk).get(),
                                                             v1::ImportPaymentsRequest(), &imported);
    if (Accept(status, "import_payments", {StatusCode::UNAVAILABLE})) ++tally_.done["import_payments"];
  }

  // ----- what payers do in bill-pay

  // One payment over one to three payable invoices of one bill-pay customer,
  // each in full or in part, through their Pay Now URLs.
  void PayInSandbox(const Tenant& tenant) {
    json book = Book(tenant);
    std::map<std::string, std::vector<json>> payable;  // by bill-pay customer
    for (const json& invoice : book.value("invoices", json::array()))
      if (invoice.value("status", "") != "deleted" && invoice.value("outstanding", int64_t{0}) > 0)
        payable[invoice.value("customer_id", "")].push_back(invoice);
    if (payable.empty()) {
      ++tally_.skipped["payer_pays"];
      return;
    }
    auto chosen = payable.begin();
    std::advance(chosen, Uniform(0, static_cast<int>(payable.size()) - 1));
    std::vector<json> invoices = chosen->second;
    std::shuffle(invoices.begin(), invoices.end(), random_);
    invoices.resize(static_cast<size_t>(Uniform(1, std::min(3, static_cast<int>(invoices.size())))));
    json request = {{"items", json::array()}, {"method", Chance(0.5) ? "card" : "ach"}};
    for (const json& invoice : invoices) {
      json item = {{"pay_now_url", invoice.value("pay_now_url", "")}};
      if (Chance(0.3)) item["amount"] = Uniform64(1, invoice.value("outstanding", int64_t{1}));
      request["items"].push_back(item);
    }
    testing::SandboxAnswer answer = sandbox_->Call("POST", "/sandbox/pay", request.dump());
    if (answer.status == 201) {
      ++tally_.done[invoices.size() > 1 ? "payer_pays (several invoices)" : "payer_pays"];
      return;
    }
    // Our dispatcher deleted or lowered one of them since the state was read.
    EXPECT_EQ(answer.status, 409) << "POST /sandbox/pay: " << answer.body;
    ++tally_.refused["payer_pays HTTP " + std::to_string(answer.status)];
  }

  void ReverseInSandbox(const Tenant& tenant) {
    std::vector<json> reversible;
    for (const json& payment : Book(tenant).value("payments", json::array()))
      if (payment.value("origin", "") == "payer" && payment.value("status", "") == "succeeded")
        reversible.push_back(payment);
    if (reversible.empty()) {
      ++tally_.skipped["payer_reversal"];
      return;
    }
    json request = {{"payment_id", Pick(reversible).value("id", "")},
                    {"reason", Chance(0.5) ? "refund" : "chargeback"}};
    testing::SandboxAnswer answer = sandbox_->Call("POST", "/sandbox/reverse", request.dump());
    if (answer.status == 200) {
      ++tally_.done["payer_reversal"];
      return;
    }
    // BP-10: our dispatcher deleted it since the state was read.
    EXPECT_EQ(answer.status, 409) << "POST /sandbox/reverse: " << answer.body;
    ++tally_.refused["payer_reversal HTTP " + std::to_string(answer.status)];
  }

  void RunOperation() {
    static const std::discrete_distribution<int> kChoice = [] {
      std::vector<int> weights;
      for (const OpKind& kind : kOpKinds) weights.push_back(kind.weight);
      return std::discrete_distribution<int>(weights.begin(), weights.end());
    }();
    std::discrete_distribution<int> choice = kChoice;
    Op op = kOpKinds[choice(random_)].op;
    Tenant& tenant = AnyTenant();
    switch (op) {
      case Op::kFinalizeNew: FinalizeNew(tenant, Pick(tenant.customers)); break;
      case Op::kPayInSandbox: PayInSandbox(tenant); break;
      case Op::kReverseInSandbox: ReverseInSandbox(tenant); break;
      case Op::kReissue: ReissueAndRefinalize(tenant); break;
      case Op::kRevertToDraft: RevertAndRefinalize(tenant); break;
      case Op::kVoid: Void(tenant); break;
      case Op::kApplyPrepayment: ApplyPrepayment(tenant); break;
      case Op::kRecordPayment: RecordPayment(tenant); break;
      case Op::kImport: ImportPayments(tenant); break;
      case Op::kNewCustomer: NewCustomerBurst(tenant); break;
    }
  }

  // ----- the crash

  // SIGKILL replica B right after a burst of finalizes, while it holds
  // leased outbox rows (its pid is in the lease owner) if it can be caught
  // doing so within a few seconds.
  void KillReplicaMidDispatch() {
    Replica& victim = replicas_[1];
    const std::string leased = "SELECT count(*) FROM sync_events WHERE state = 'pending' AND lease_owner LIKE '%:" +
                               std::to_string(victim.process->pid()) + ":%'";
    bool holding = false;
    for (int burst = 0; burst < 3 && !holding; ++burst) {
      for (int i = 0; i < 8; ++i) {
        Tenant& tenant = AnyTenant();
        FinalizeNew(tenant, Pick(tenant.customers));
      }
      holding = WaitFor([&] { return std::stoll(invoicehub::testing::QueryScalar(database_->url(), leased)) > 0; },
                        std::chrono::seconds(4), std::chrono::milliseconds(5));
    }
    victim.api.reset();  // the clients stop calling it before it goes
    for (const Tenant& tenant : tenants_)
      tally_.rows_pending_at_kill += static_cast<int>(SyncEvents(tenant, v1::SYNC_EVENT_STATE_PENDING).size());
    tally_.rows_leased_by_killed =
        static_cast<int>(std::stoll(invoicehub::testing::QueryScalar(database_->url(), leased)));
    victim.process->Kill();
    killed_at_ = Clock::now();
    EXPECT_GT(tally_.rows_pending_at_kill, 0) << "nothing was pending when replica B was killed";
    std::cout << "[chaos] replica B (pid " << victim.process->pid() << ") killed with SIGKILL; it held "
              << tally_.rows_leased_by_killed << " leased row(s); " << tally_.rows_pending_at_kill << " row(s) pending"
              << std::endl;
  }

  // Replica B again, on the same database; its company's webhooks follow it
  // to its new port.
  void RestartReplica() {
    std::this_thread::sleep_until(killed_at_ + kMinDowntime);
    Replica& replica = replicas_[1];
    retired_.emplace_back(replica.name, std::move(replica.process));
    StartReplica(1);
    if (HasFatalFailure()) return;
    for (const Tenant& tenant : tenants_) {
      if (tenant.webhook_replica != 1) continue;
      json change = {{"webhook_url", WebhookUrl(1, tenant.company_id)}};
      testing::SandboxAnswer answer =
          sandbox_->Call("PUT", "/sandbox/accounts/" + tenant.account.account_id, change.dump());
      ASSERT_EQ(answer.status, 200) << answer.body;
    }
    std::cout << "[chaos] replica B started again (pid " << replica.process->pid() << ")" << std::endl;
  }

  // ----- settling

  // Nothing left to tell on either side: no sync event pending or parked,
  // no webhook waiting in the sandbox, no inbox event waiting here. `why`
  // says what is left; `parked` whether a sync event was parked (it would
  // wait for RetrySyncEvent, so waiting longer is pointless).
  bool Settled(std::string& why, bool& parked) {
    why.clear();
    parked = false;
    json state = sandbox_->State();
    for (const Tenant& tenant : tenants_) {
      size_t pending = SyncEvents(tenant, v1::SYNC_EVENT_STATE_PENDING).size();
      size_t failed = SyncEvents(tenant, v1::SYNC_EVENT_STATE_FAILED).size();
      size_t inbox = InboxEvents(tenant, v1::INBOX_EVENT_STATE_PENDING).size();
      size_t webhooks = Book(tenant, state).value("pending_webhooks", json::array()).size();
      parked |= failed > 0;
      if (pending + failed + inbox + webhooks > 0)
        why += "company " + tenant.company_id + ": " + std::to_string(pending) + " sync events pending, " +
               std::to_string(failed) + " failed, " + std::to_string(inbox) + " inbox events pending, " +
               std::to_string(webhooks) + " webhooks waiting in the sandbox\n";
    }
    return why.empty();
  }

  // BP-12: an import applies whatever the webhooks did not bring.
  void ImportUntilDone(const Tenant& tenant) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      v1::ImportPaymentsResponse imported;
      grpc::Status status = Client().payments().ImportPayments(ApiClient::Context(tenant.clerk).get(),
                                                               v1::ImportPaymentsRequest(), &imported);
      if (status.ok()) {
        tally_.imported["recorded"] += imported.recorded();
        tally_.imported["reversed"] += imported.reversed();
        tally_.imported["unchanged"] += imported.unchanged();
        tally_.imported["unmatched"] += imported.unmatched();
        return;
      }
      EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE) << StatusText(status);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "ImportPayments never succeeded for company " << tenant.company_id;
  }

  void Heal() {
    ASSERT_TRUE(sandbox_->SetFaults({{"error_rate", 0},
                                     {"latency_ms", 0},
                                     {"timeout_after_commit_rate", 0},
                                     {"webhook_duplicate_rate", 0},
                                     {"webhook_max_delay_ms", 0},
                                     {"webhook_fail_rate", 0}}));
    for (int round = 0; round < 2; ++round) {
      for (const Tenant& tenant : tenants_) ImportUntilDone(tenant);
      std::string why;
      bool parked = false;
      bool settled =
          WaitFor([&] { return Settled(why, parked) || parked; }, kSettleTimeout, std::chrono::milliseconds(250));
      std::string events;
      for (const Tenant& tenant : tenants_)
        events +=
            SyncEventsText(tenant, v1::SYNC_EVENT_STATE_PENDING) + SyncEventsText(tenant, v1::SYNC_EVENT_STATE_FAILED);
      ASSERT_TRUE(settled && !parked) << "round " << round + 1 << " did not settle:\n" << why << events;
    }
  }

  // ----- the comparison

  // Both sides of one company, side by side.
  void ExpectSameStory(const Tenant& tenant, const json& book) {
    SCOPED_TRACE("company " + tenant.company_id);
    const std::string where = " WHERE company_id = " + tenant.company_id;
    const std::string& url = database_->url();
    std::vector<v1::Invoice> invoices = Invoices(tenant);
    std::vector<v1::Payment> payments = Payments(tenant);

    // BP-3: one bill-pay customer per customer of ours that bill-pay had to
    // know, as our link table says, and never one twice.
    std::map<std::string, std::string> external_of_customer;  // bill-pay id -> our id
    std::map<std::string, int> customers_per_external;
    std::set<std::string> ours(tenant.customers.begin(), tenant.customers.end());
    for (const json& customer : book.value("customers", json::array())) {
      std::string external = customer.value("external_id", "");
      external_of_customer[customer.value("id", "")] = external;
      EXPECT_EQ(++customers_per_external[external], 1) << "BP-3: two bill-pay customers for customer " << external;
      EXPECT_TRUE(ours.contains(external)) << "a bill-pay customer of no customer of ours: " << customer.dump();
    }
    std::vector<std::vector<std::string>> customer_links =
        SqlRows(url, "concat_ws('|', customer_id, billpay_customer_id)", "billpay_customers" + where);
    EXPECT_EQ(customer_links.size(), external_of_customer.size());
    for (const std::vector<std::string>& link : customer_links)
      EXPECT_EQ(external_of_customer[link.at(1)], link.at(0)) << "billpay_customers row " << link.at(0);

    // BP-1, BP-4, BP-9, BP-11: the invoices.
    std::map<std::string, std::vector<json>> records_of;  // by external_id, deleted ones included
    std::map<std::string, json> record_by_id;
    for (const json& record : book.value("invoices", json::array())) {
      records_of[record.value("external_id", "")].push_back(record);
      record_by_id[record.value("id", "")] = record;
    }
    std::map<std::string, std::vector<std::string>> invoice_links;  // billpay id -> {invoice, url, live}
    for (std::vector<std::string>& link :
         SqlRows(url, "concat_ws('|', billpay_invoice_id, invoice_id, pay_now_url, live::text)",
                 "billpay_invoices" + where))
      invoice_links[link.at(0)] = {link.at(1), link.at(2), link.at(3)};
    std::set<std::string> our_invoice_ids;
    std::set<std::string> numbers;
    for (const v1::Invoice& invoice : invoices) {
      SCOPED_TRACE("invoice " + invoice.id() + " " + v1::InvoiceState_Name(invoice.state()) + " " + invoice.number());
      our_invoice_ids.insert(invoice.id());
      if (!invoice.number().empty()) {
        EXPECT_TRUE(numbers.insert(invoice.number()).second) << "LC-2: number used twice";
      }
      std::vector<json> live;
      for (const json& record : records_of[invoice.id()]) {
        if (record.value("status", "") != "deleted") live.push_back(record);
        EXPECT_EQ(external_of_customer[record.value("customer_id", "")], invoice.customer_id())
            << "the bill-pay record belongs to another customer: " << record.dump();
      }
      EXPECT_LE(live.size(), 1u) << "two live bill-pay records";
      // BP-11: a REISSUE -> FINAL updates the record; only a revert to
      // DRAFT (BP-9) leads to a new one.
      EXPECT_LE(records_of[invoice.id()].size(), 1u + reverts_to_draft_[tenant.company_id + "/" + invoice.id()])
          << "more bill-pay records than reverts to DRAFT allow";
      switch (invoice.state()) {
        case v1::INVOICE_STATE_FINAL:
          if (invoice.nothing_to_send() && live.empty()) {  // BP-2
            EXPECT_EQ(invoice.pay_now_url(), "");
            break;
          }
          if (live.size() != 1) {
            ADD_FAILURE() << "BP-1: a FINAL invoice is not in bill-pay (" << live.size() << " live records)";
            break;
          }
          EXPECT_EQ(live[0].value("number", ""), invoice.number());
          EXPECT_EQ(live[0].value("invoice_date", ""), DateText(invoice.issue_date()));
          EXPECT_EQ(live[0].value("currency", ""), invoice.currency_code());
          EXPECT_EQ(live[0].value("amount", int64_t{-1}), invoice.total().minor_units());
          EXPECT_EQ(live[0].value("outstanding", int64_t{-1}), invoice.outstanding().minor_units());
          EXPECT_NE(live[0].value("pdf_sha256", ""), "");
          EXPECT_NE(invoice.pay_now_url(), "");  // BP-4
          EXPECT_EQ(live[0].value("pay_now_url", ""), invoice.pay_now_url());
          break;
        case v1::INVOICE_STATE_REISSUE:  // the record stays until the next finalize
          break;
        default:  // BP-9 (and VOID): no live record, no URL
          EXPECT_TRUE(live.empty()) << "a " << v1::InvoiceState_Name(invoice.state())
                                    << " invoice is live in bill-pay: " << live[0].dump();
          EXPECT_EQ(invoice.pay_now_url(), "");
      }
      for (const json& record : live) {
        auto link = invoice_links.find(record.value("id", ""));
        EXPECT_TRUE(link != invoice_links.end() && link->second[2] == "true")
            << "a live bill-pay record we have no live link to: " << record.dump();
      }
    }
    for (const json& record : book.value("invoices", json::array()))
      EXPECT_TRUE(our_invoice_ids.contains(record.value("external_id", "")))
          << "a bill-pay invoice of no invoice of ours: " << record.dump();
    for (const auto& [billpay_id, link] : invoice_links) {
      auto record = record_by_id.find(billpay_id);
      if (record == record_by_id.end()) {
        ADD_FAILURE() << "we link to bill-pay invoice " << billpay_id << ", it has none";
        continue;
      }
      EXPECT_EQ(record->second.value("external_id", ""), link[0]);
      EXPECT_EQ(record->second.value("pay_now_url", ""), link[1]);
      EXPECT_EQ(record->second.value("status", "") != "deleted", link[2] == "true")
          << "link and bill-pay disagree on whether " << billpay_id << " is live";
    }

    // BP-8, BP-10, BP-12: the payments.
    std::map<std::string, std::vector<std::string>> payment_links;  // billpay id -> {payment, origin, invoice, live}
    for (std::vector<std::string>& link :
         SqlRows(url, "concat_ws('|', billpay_payment_id, payment_id, origin, invoice_id, live::text)",
                 "billpay_payments" + where))
      payment_links[link.at(0)] = {link.at(1), link.at(2), link.at(3), link.at(4)};
    std::map<std::string, std::vector<v1::Payment>> ours_by_reference;
    for (const v1::Payment& payment : payments) ours_by_reference[payment.reference()].push_back(payment);
    std::set<std::string> billpay_payment_ids;
    std::map<std::string, int> api_external_ids;
    for (const json& payment : book.value("payments", json::array())) {
      const std::string id = payment.value("id", "");
      const std::string status = payment.value("status", "");
      SCOPED_TRACE("bill-pay payment " + payment.dump());
      billpay_payment_ids.insert(id);
      auto link = payment_links.find(id);
      if (link == payment_links.end()) {
        ADD_FAILURE() << "a bill-pay payment we have no link to";
        continue;
      }
      EXPECT_EQ(link->second[3] == "true", status != "deleted") << "link and bill-pay disagree on whether it is live";
      if (payment.value("origin", "") == "api") {
        EXPECT_EQ(link->second[1], "api");
        EXPECT_EQ(++api_external_ids[payment.value("external_id", "")], 1) << "BP-8: paid again twice";
        json allocations = payment.value("allocations", json::array());
        std::string record = allocations.empty() ? "" : allocations[0].value("invoice_id", "");
        EXPECT_EQ(record_by_id[record].value("external_id", ""), link->second[2])
            << "BP-8: paid again against another invoice";
        continue;
      }
      EXPECT_EQ(link->second[1], "payer");
      // BP-12: recorded here once, as it is there.
      const std::vector<v1::Payment>& recorded = ours_by_reference[id];
      if (recorded.size() != 1) {
        ADD_FAILURE() << "BP-12: the payer's payment is recorded here " << recorded.size() << " times";
        continue;
      }
      const v1::Payment& our = recorded[0];
      EXPECT_EQ(our.id(), link->second[0]);
      EXPECT_EQ(our.amount().minor_units(), payment.value("amount", int64_t{-1}));
      EXPECT_EQ(our.customer_id(), external_of_customer[payment.value("customer_id", "")]);
      bool reversed_there = status == "reversed" || !payment.value("reversal_reason", "").empty();
      EXPECT_EQ(our.state() == v1::PAYMENT_STATE_REVERSED, reversed_there)
          << "BP-12: reversed on one side only; ours: " << our.ShortDebugString();
      // BP-10 (and BP-8: a payment that landed wholly as a prepayment goes at once).
      bool recorded_on_invoices = false, still_applied = false;
      for (const v1::PaymentAllocation& allocation : our.allocations()) {
        if (allocation.source() != v1::ALLOCATION_SOURCE_PAYMENT) continue;
        recorded_on_invoices = true;
        still_applied |= allocation.state() == v1::ALLOCATION_STATE_APPLIED;
      }
      if (status == "deleted") {
        EXPECT_FALSE(still_applied) << "BP-10: removed from bill-pay while one of its invoices is FINAL; ours: "
                                    << our.ShortDebugString();
      }
      if (our.all_invoices_reverted() || !recorded_on_invoices) {
        EXPECT_EQ(status, "deleted") << "BP-8/BP-10: every invoice went back, bill-pay still has it; ours: "
                                     << our.ShortDebugString();
      }
    }
    for (const auto& [billpay_id, link] : payment_links)
      EXPECT_TRUE(billpay_payment_ids.contains(billpay_id))
          << "we link to bill-pay payment " << billpay_id << ", it has none";
    for (const v1::Payment& payment : payments) {
      if (payment.reference().starts_with("manual-")) {
        EXPECT_EQ(ours_by_reference[payment.reference()].size(), 1u);
        continue;
      }
      EXPECT_TRUE(billpay_payment_ids.contains(payment.reference()))
          << "a payment of ours from no bill-pay payment: " << payment.ShortDebugString();
    }

    // Nothing reported for review: every customer is linked, every payment placed.
    for (const v1::InboxEvent& event : InboxEvents(tenant, v1::INBOX_EVENT_STATE_UNMATCHED))
      ADD_FAILURE() << "unmatched inbox event " << event.event_id() << ": " << event.note();

    v1::CheckLedgerResponse ledger;
    grpc::Status status =
        Client().admin().CheckLedger(ApiClient::Context(tenant.admin).get(), v1::CheckLedgerRequest(), &ledger);
    ASSERT_TRUE(status.ok()) << StatusText(status);
    EXPECT_TRUE(ledger.clean()) << ledger.difference_count() << " ledger differences, e.g. "
                                << (ledger.differences().empty() ? "" : ledger.differences(0).ShortDebugString());
  }

  struct DispatchLog {
    std::map<std::string, std::vector<std::string>> synced_by;  // "company/event" -> replicas that logged it synced
    std::map<std::string, int> ends;                            // synced, rescheduled (retryable|unknown), ...
    std::map<std::string, int> synced_per_replica;
    int lease_lost = 0;
    int webhook_duplicates = 0;
  };

  // What every replica (the killed one too) logged about its dispatches.
  DispatchLog ReadDispatchLogs() {
    static const std::regex kLine(
        R"(sync company=(\d+) sync_event=(\d+) action=\S+ invoice=\d+ payment=\d+ attempt=\d+ (synced|rescheduled|parked|lease_lost): (\w*))");
    DispatchLog result;
    std::vector<std::pair<std::string, const ServerProcess*>> processes;
    for (size_t i = 0; i < retired_.size(); ++i)
      processes.emplace_back(retired_[i].first + std::to_string(i + 1), retired_[i].second.get());
    for (const Replica& replica : replicas_) processes.emplace_back(replica.name, replica.process.get());
    for (const auto& [name, process] : processes) {
      std::istringstream lines(process->log());
      for (std::string line; std::getline(lines, line);) {
        if (line.find("billpay webhook") != std::string::npos && line.ends_with(" duplicate"))
          ++result.webhook_duplicates;
        if (line.find("sync company=") == std::string::npos) continue;
        std::smatch match;
        if (!std::regex_search(line, match, kLine)) continue;
        std::string end = match[3].str();
        if (end == "synced") {
          result.synced_by[match[1].str() + "/" + match[2].str()].push_back(name);
          ++result.synced_per_replica[name];
        } else if (end == "lease_lost") {
          ++result.lease_lost;
        }
        ++result.ends[end == "rescheduled" ? end + " (" + match[4].str() + ")" : end];
      }
    }
    return result;
  }

  // Several replicas: every row went out once between them. Only the owner
  // of a row's current lease may mark it synced, so a row is logged
  // "synced" by one replica at most; every synced row is logged by one,
  // except the few a SIGKILL caught between the commit and the log line.
  DispatchLog ExpectEachRowDispatchedOnce() {
    DispatchLog log = ReadDispatchLogs();
    int unlogged = 0;
    for (const Tenant& tenant : tenants_)
      for (const v1::SyncEvent& event : SyncEvents(tenant, v1::SYNC_EVENT_STATE_SYNCED)) {
        auto found = log.synced_by.find(tenant.company_id + "/" + event.id());
        if (found == log.synced_by.end()) {
          ++unlogged;
          continue;
        }
        EXPECT_EQ(found->second.size(), 1u)
            << "sync event " << event.id() << " of company " << tenant.company_id
            << " was marked synced more than once, by " << ::testing::PrintToString(found->second);
      }
    EXPECT_LE(unlogged, 2) << "synced rows that no replica logged";
    EXPECT_GT(log.synced_per_replica["A"], 0) << "replica A dispatched nothing";
    EXPECT_GT(log.synced_per_replica["B"] + log.synced_per_replica["B1"], 0) << "replica B dispatched nothing";
    return log;
  }

  void PrintSummary(const DispatchLog& log, const json& state, double drive_seconds, double heal_seconds) {
    std::ostringstream out;
    out << "[chaos] seed=" << seed_ << " operations=" << kOperations << " drive=" << drive_seconds
        << "s heal=" << heal_seconds << "s total=" << SecondsSince(started_) << "s\n";
    auto print = [&](const char* title, const std::map<std::string, int>& counts) {
      out << "[chaos] " << title << ":";
      for (const auto& [name, count] : counts) out << " " << name << "=" << count;
      out << "\n";
    };
    print("done", tally_.done);
    print("refused", tally_.refused);
    print("skipped", tally_.skipped);
    out << "[chaos] zero-total invoices (BP-2)=" << tally_.zero_total_invoices
        << "; at the kill: pending rows=" << tally_.rows_pending_at_kill
        << ", rows leased by the killed replica=" << tally_.rows_leased_by_killed << "\n";
    print("heal imports", tally_.imported);
    print("dispatch ends (all replicas)", log.ends);
    print("rows synced per replica", log.synced_per_replica);
    out << "[chaos] lease_lost=" << log.lease_lost
        << " duplicate webhooks refused by the inbox=" << log.webhook_duplicates << "\n";
    int events = 0, attempts = 0, most = 0;
    for (const Tenant& tenant : tenants_)
      for (const v1::SyncEvent& event : SyncEvents(tenant, v1::SYNC_EVENT_STATE_SYNCED)) {
        ++events;
        attempts += event.attempts();
        most = std::max(most, event.attempts());
      }
    out << "[chaos] sync events=" << events << " attempts=" << attempts << " most attempts of one=" << most << "\n";
    std::map<std::string, int> deliveries, sandbox_records;
    for (const Tenant& tenant : tenants_) {
      json book = Book(tenant, state);
      for (const json& delivery : book.value("deliveries", json::array())) ++deliveries[delivery.value("outcome", "?")];
      sandbox_records["customers"] += static_cast<int>(book.value("customers", json::array()).size());
      for (const json& invoice : book.value("invoices", json::array()))
        ++sandbox_records[invoice.value("status", "") == "deleted" ? "invoices deleted" : "invoices live"];
      for (const json& payment : book.value("payments", json::array()))
        ++sandbox_records["payments " + payment.value("origin", "") + " " + payment.value("status", "")];
    }
    print("webhook delivery attempts", deliveries);
    print("sandbox records", sandbox_records);
    int injected_errors = 0;
    std::istringstream lines(sandbox_->log());
    for (std::string line; std::getline(lines, line);)
      if (line.find(" /v1/") != std::string::npos && line.find(" 503 account=") != std::string::npos) ++injected_errors;
    out << "[chaos] sandbox /v1 answers 503=" << injected_errors << "\n";
    std::cout << out.str() << std::flush;
  }

  uint64_t seed_ = 0;
  std::mt19937_64 random_;
  Clock::time_point started_;
  Clock::time_point killed_at_;
  std::unique_ptr<invoicehub::testing::ScratchDatabase> database_;
  std::unique_ptr<testing::SandboxProcess> sandbox_;
  std::array<Replica, 2> replicas_;
  // Replicas that were killed, kept for their logs.
  std::vector<std::pair<std::string, std::unique_ptr<ServerProcess>>> retired_;
  size_t next_replica_ = 0;
  std::vector<Tenant> tenants_;
  std::map<std::string, int> reverts_to_draft_;  // "company/invoice" -> successful reverts
  Tally tally_;
};

// BP-1, BP-3, BP-4, BP-8, BP-9, BP-10, BP-11, BP-12 and several replicas,
// under faults, a crash and a restart: see the top of this file.
TEST_F(BillPayChaosTest, BothSidesAgreeAfterFaultsACrashAndARestart) {
  Clock::time_point drive_start = Clock::now();
  for (int op = 0; op < kOperations && !HasFatalFailure(); ++op) {
    if (op == kKillAt) KillReplicaMidDispatch();
    if (op == kRestartAt) RestartReplica();
    if (op == kSandboxRestartAt) {
      ASSERT_TRUE(sandbox_->Restart()) << "the sandbox did not come back";
      std::cout << "[chaos] sandbox restarted" << std::endl;
    }
    RunOperation();
  }
  double drive_seconds = SecondsSince(drive_start);

  Clock::time_point heal_start = Clock::now();
  Heal();
  if (HasFatalFailure()) return;
  double heal_seconds = SecondsSince(heal_start);

  json state = sandbox_->State();
  for (const Tenant& tenant : tenants_) ExpectSameStory(tenant, Book(tenant, state));
  DispatchLog log = ExpectEachRowDispatchedOnce();
  PrintSummary(log, state, drive_seconds, heal_seconds);
}

}  // namespace
}  // namespace invoicehub::e2e
