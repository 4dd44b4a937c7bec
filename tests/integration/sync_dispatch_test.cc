// The bill-pay outbox on a real PostgreSQL: rows appended with the change
// that asks for them (BP-1), claimed in order per invoice, with SKIP LOCKED
// and leases, fenced when a lease was lost, and carried out against bill-pay
// with the outcomes its gateway can answer (BP-2..BP-4, BP-7..BP-11). Only
// bill-pay's gateway is faked (it records calls and answers as scripted);
// the database, the use cases and the dispatch are the real ones.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "integrations/billpay/billpay_gateway.h"
#include "server/app/billpay_accounts.h"
#include "server/app/billpay_gateways.h"
#include "server/app/invoice_actions.h"
#include "server/app/invoice_lifecycle_actions.h"
#include "server/app/move_back_import.h"
#include "server/app/payment_actions.h"
#include "server/app/secret_box.h"
#include "server/app/sync_dispatch.h"
#include "server/domain/clock.h"
#include "server/domain/field_errors.h"
#include "server/domain/status_macros.h"
#include "server/domain/sync_event.h"
#include "server/domain/update_mask.h"
#include "storage/billpay_account_repository.h"
#include "storage/billpay_links.h"
#include "storage/invoice_pdf_store.h"
#include "storage/invoice_repository.h"
#include "storage/sync_event_store.h"
#include "tests/integration/integration_support.h"
#include "tests/support/concurrently.h"

namespace invoicehub::domain {
// Lets gtest print states in failure messages (internal linkage: no clash
// with other test files).
[[maybe_unused]] static void PrintTo(SyncState state, std::ostream* os) { *os << SyncStateName(state); }
[[maybe_unused]] static void PrintTo(InvoiceSyncState state, std::ostream* os) {
  constexpr const char* kNames[] = {"none", "pending", "synced", "failed"};
  *os << kNames[static_cast<int>(state)];
}
[[maybe_unused]] static void PrintTo(SyncAction action, std::ostream* os) { *os << SyncActionName(action); }
}  // namespace invoicehub::domain

namespace invoicehub::app {
[[maybe_unused]] static void PrintTo(DispatchEnd end, std::ostream* os) {
  constexpr const char* kNames[] = {"synced", "rescheduled", "parked", "lease_lost"};
  *os << kNames[static_cast<int>(end)];
}
}  // namespace invoicehub::app

namespace invoicehub::integration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAreArray;
using billpay::Outcome;
using domain::InvoiceState;
using domain::InvoiceSyncState;
using domain::SyncAction;
using domain::SyncState;

constexpr char kMasterKey[] = "5b2e9f1c7d3a8e6b4c0f2a9d7e5b3c1a0f8e6d4c2b0a9f7e5d3c1b0a8f6e4d2c";

app::SecretBox Box() { return *app::SecretBox::FromMasterKey(kMasterKey); }

// --- a fake of bill-pay's gateway: it records every call and answers as a
// test scripted, else as docs/billpay-contract.md says bill-pay would.

enum class Call {
  kFindCustomer,
  kCreateCustomer,
  kFindInvoice,
  kCreateInvoice,
  kUpdateInvoice,
  kDeleteInvoice,
  kListPayments,
  kCreatePayment,
  kDeletePayment,
};

struct GatewayCall {
  Call call;
  std::string key;          // the idempotency key; empty for reads
  std::string target;       // the bill-pay id acted on, or the external id asked for or sent
  std::string customer_id;  // bill-pay's, on creates
  std::string number;
  std::optional<int64_t> amount;
  std::optional<int64_t> outstanding;
  bool with_pdf = false;
};

class FakeBillPay {
 public:
  // The next call of `call` answers `outcome` (not done) with `error`.
  void Script(Call call, Outcome outcome, const std::string& error) {
    std::lock_guard lock(mutex_);
    scripts_[call].push_back({outcome, error});
  }

  // A customer bill-pay already has (made by someone else before).
  void AddExistingCustomer(const std::string& external_id, const std::string& id) {
    std::lock_guard lock(mutex_);
    customers_[external_id] = {id, external_id, "Existing", "existing@example.com"};
  }

  std::vector<GatewayCall> Calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<GatewayCall> Calls(Call call) {
    std::vector<GatewayCall> matching;
    for (GatewayCall& c : Calls())
      if (c.call == call) matching.push_back(std::move(c));
    return matching;
  }

  billpay::Result<std::optional<billpay::CustomerRecord>> FindCustomer(const std::string& external_id) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kFindCustomer, "", external_id, "", "", {}, {}, false});
    billpay::Result<std::optional<billpay::CustomerRecord>> result;
    if (Scripted(Call::kFindCustomer, result)) return result;
    if (auto it = customers_.find(external_id); it != customers_.end()) result.value = it->second;
    return result;
  }

  billpay::Result<billpay::CustomerRecord> CreateCustomer(const billpay::NewCustomer& customer,
                                                          const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kCreateCustomer, key, customer.external_id, "", "", {}, {}, false});
    billpay::Result<billpay::CustomerRecord> result;
    if (Scripted(Call::kCreateCustomer, result)) return result;
    // A live customer with the same external id answers that one.
    auto [it, made] = customers_.try_emplace(customer.external_id);
    if (made) it->second = {absl::StrCat("cus_", ++customers_made_), customer.external_id, customer.name, customer.email};
    result.value = it->second;
    return result;
  }

  billpay::Result<std::optional<billpay::InvoiceRecord>> FindInvoice(const std::string& external_id) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kFindInvoice, "", external_id, "", "", {}, {}, false});
    billpay::Result<std::optional<billpay::InvoiceRecord>> result;
    for (const auto& [id, record] : invoices_)
      if (record.external_id == external_id && record.status != billpay::InvoiceStatus::kDeleted) result.value = record;
    return result;
  }

  billpay::Result<billpay::InvoiceRecord> CreateInvoice(const billpay::InvoiceDocument& document,
                                                        const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kCreateInvoice, key, document.external_id, document.customer_id, document.number,
                      document.amount_minor, document.outstanding_minor, !document.pdf.empty()});
    billpay::Result<billpay::InvoiceRecord> result;
    if (Scripted(Call::kCreateInvoice, result)) return result;
    if (auto replay = invoice_keys_.find(key); replay != invoice_keys_.end()) {
      result.value = invoices_[replay->second];
      return result;
    }
    for (const auto& [id, record] : invoices_)  // a live one with this external id answers
      if (record.external_id == document.external_id && record.status != billpay::InvoiceStatus::kDeleted) {
        result.value = record;
        return result;
      }
    const int n = ++invoices_made_;
    billpay::InvoiceRecord record{absl::StrCat("inv_", n), document.customer_id, document.external_id,
                                  document.number, document.currency, document.amount_minor,
                                  document.outstanding_minor, billpay::InvoiceStatus::kOpen,
                                  absl::StrCat("https://pay.example/p/tok", n)};
    invoices_[record.id] = record;
    invoice_keys_[key] = record.id;
    result.value = record;
    return result;
  }

  billpay::Result<billpay::InvoiceRecord> UpdateInvoice(const std::string& invoice_id,
                                                        const billpay::InvoiceUpdate& update, const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kUpdateInvoice, key, invoice_id, "", update.number.value_or(""), update.amount_minor,
                      update.outstanding_minor, update.pdf.has_value() && !update.pdf->empty()});
    billpay::Result<billpay::InvoiceRecord> result;
    if (Scripted(Call::kUpdateInvoice, result)) return result;
    auto it = invoices_.find(invoice_id);
    if (it == invoices_.end() || it->second.status == billpay::InvoiceStatus::kDeleted) {
      result.outcome = Outcome::kPermanent;
      result.error = "404 not_found";
      return result;
    }
    if (update.amount_minor) it->second.amount_minor = *update.amount_minor;
    if (update.outstanding_minor) it->second.outstanding_minor = *update.outstanding_minor;
    result.value = it->second;  // the Pay Now URL never changes
    return result;
  }

  billpay::Result<bool> DeleteInvoice(const std::string& invoice_id, const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kDeleteInvoice, key, invoice_id, "", "", {}, {}, false});
    billpay::Result<bool> result;
    if (Scripted(Call::kDeleteInvoice, result)) return result;
    if (auto it = invoices_.find(invoice_id); it != invoices_.end()) it->second.status = billpay::InvoiceStatus::kDeleted;
    result.value = true;
    return result;
  }

  billpay::Result<billpay::PaymentPage> ListPayments(const std::string& after_cursor, int) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kListPayments, "", after_cursor, "", "", {}, {}, false});
    billpay::Result<billpay::PaymentPage> result;
    if (Scripted(Call::kListPayments, result)) return result;
    result.value.next_cursor = after_cursor;
    return result;
  }

  billpay::Result<billpay::PaymentRecord> CreatePayment(const billpay::NewPayment& payment, const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kCreatePayment, key, payment.invoice_id, payment.customer_id, "", payment.amount_minor,
                      {}, false});
    billpay::Result<billpay::PaymentRecord> result;
    if (Scripted(Call::kCreatePayment, result)) return result;
    auto [it, made] = payment_keys_.try_emplace(key);
    if (made) it->second = absl::StrCat("pay_api_", ++payments_made_);
    result.value.id = it->second;
    result.value.customer_id = payment.customer_id;
    result.value.currency = payment.currency;
    result.value.amount_minor = payment.amount_minor;
    result.value.origin = billpay::PaymentOrigin::kApi;
    result.value.external_id = payment.external_id;
    result.value.allocations = {{payment.invoice_id, payment.amount_minor}};
    return result;
  }

  billpay::Result<bool> DeletePayment(const std::string& payment_id, const std::string& key) {
    std::lock_guard lock(mutex_);
    calls_.push_back({Call::kDeletePayment, key, payment_id, "", "", {}, {}, false});
    billpay::Result<bool> result;
    if (Scripted(Call::kDeletePayment, result)) return result;
    result.value = true;
    return result;
  }

 private:
  template <typename T>
  bool Scripted(Call call, billpay::Result<T>& result) {
    std::deque<std::pair<Outcome, std::string>>& queue = scripts_[call];
    if (queue.empty()) return false;
    result.outcome = queue.front().first;
    result.error = queue.front().second;
    queue.pop_front();
    return true;
  }

  std::mutex mutex_;
  std::map<Call, std::deque<std::pair<Outcome, std::string>>> scripts_;
  std::vector<GatewayCall> calls_;
  std::map<std::string, billpay::CustomerRecord> customers_;  // by external id
  std::map<std::string, billpay::InvoiceRecord> invoices_;    // by id
  std::map<std::string, std::string> invoice_keys_;           // idempotency key -> id
  std::map<std::string, std::string> payment_keys_;           // idempotency key -> id
  int customers_made_ = 0;
  int invoices_made_ = 0;
  int payments_made_ = 0;
};

// What BillPayGateways makes per company: a handle on the shared fake.
class FakeGateway final : public billpay::BillPayGateway {
 public:
  explicit FakeGateway(std::shared_ptr<FakeBillPay> fake) : fake_(std::move(fake)) {}

  billpay::Result<std::optional<billpay::CustomerRecord>> FindCustomer(const std::string& external_id) override {
    return fake_->FindCustomer(external_id);
  }
  billpay::Result<billpay::CustomerRecord> CreateCustomer(const billpay::NewCustomer& customer,
                                                          const std::string& key) override {
    return fake_->CreateCustomer(customer, key);
  }
  billpay::Result<std::optional<billpay::InvoiceRecord>> FindInvoice(const std::string& external_id) override {
    return fake_->FindInvoice(external_id);
  }
  billpay::Result<billpay::InvoiceRecord> CreateInvoice(const billpay::InvoiceDocument& invoice,
                                                        const std::string& key) override {
    return fake_->CreateInvoice(invoice, key);
  }
  billpay::Result<billpay::InvoiceRecord> UpdateInvoice(const std::string& invoice_id,
                                                        const billpay::InvoiceUpdate& update,
                                                        const std::string& key) override {
    return fake_->UpdateInvoice(invoice_id, update, key);
  }
  billpay::Result<bool> DeleteInvoice(const std::string& invoice_id, const std::string& key) override {
    return fake_->DeleteInvoice(invoice_id, key);
  }
  billpay::Result<billpay::PaymentPage> ListPayments(const std::string& after_cursor, int limit) override {
    return fake_->ListPayments(after_cursor, limit);
  }
  billpay::Result<billpay::PaymentRecord> CreatePayment(const billpay::NewPayment& payment,
                                                        const std::string& key) override {
    return fake_->CreatePayment(payment, key);
  }
  billpay::Result<bool> DeletePayment(const std::string& payment_id, const std::string& key) override {
    return fake_->DeletePayment(payment_id, key);
  }

 private:
  std::shared_ptr<FakeBillPay> fake_;
};

std::vector<std::string> Targets(const std::vector<GatewayCall>& calls) {
  std::vector<std::string> targets;
  for (const GatewayCall& call : calls) targets.push_back(call.target);
  return targets;
}

std::vector<int64_t> IdsOf(const std::vector<storage::SyncEvent>& events) {
  std::vector<int64_t> ids;
  for (const storage::SyncEvent& event : events) ids.push_back(event.id);
  return ids;
}

// The text of a PDF as poppler's pdftotext reads it (a reader's view).
std::string PdfText(const std::string& pdf) {
  char path[] = "/tmp/sync_dispatch_test_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return "";
  const bool written = write(fd, pdf.data(), pdf.size()) == static_cast<ssize_t>(pdf.size());
  close(fd);
  std::string text;
  if (written) {
    if (FILE* pipe = popen(absl::StrCat("pdftotext -layout ", path, " - 2>/dev/null").c_str(), "r")) {
      char buffer[4096];
      for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) text.append(buffer, n);
      pclose(pipe);
    }
  }
  unlink(path);
  return text;
}

class SyncDispatchTest : public ::testing::Test {
 protected:
  SyncDispatchTest()
      : db_(6),
        fake_(std::make_shared<FakeBillPay>()),
        gateways_(db_.db(), Box(),
                  [fake = fake_](const billpay::AccountConfig&) { return std::make_unique<FakeGateway>(fake); }) {}

  void SetUp() override {
    company_ = AddCompany(db_, "Outbox AG");
    customer_ = AddCustomer(db_, company_, "Kunde GmbH", "ap@kunde.example");
    SetAccount(company_);
  }

  // Millisecond delays keep the suite fast; the bounds are what is checked.
  static domain::RetryPolicy Policy() {
    return domain::RetryPolicy{
        .max_attempts = 4, .base_delay = absl::Milliseconds(10), .max_delay = absl::Milliseconds(80)};
  }

  void SetAccount(int64_t company, bool enabled = true) {
    app::BillPayAccountInput input;
    input.base_url = "https://billpay.example";
    input.api_key = "sk_test_outbox_0123456789";
    input.webhook_secret = "whsec_outbox_0123456789";
    input.enabled = enabled;
    input.expected_version = Read([&](storage::Transaction& tx) {
      absl::StatusOr<storage::StoredBillPayAccount> current = storage::FindBillPayAccount(tx, company);
      return current.ok() ? current->version : int64_t{0};
    });
    absl::StatusOr<app::BillPayAccountChange> set = db_.Run([&](storage::Transaction& tx) {
      return app::SetBillPayAccount(tx, Box(), company, input, NextCreateTime());
    });
    ASSERT_TRUE(set.ok()) << set.status();
  }

  // A DRAFT with one line of `price` CHF, no tax: its total is `price`.
  domain::Invoice Draft(int64_t price, int64_t customer = 0, int64_t company = 0) {
    app::InvoiceDraftInput input;
    input.customer_id = customer ? customer : customer_;
    input.issue_date = absl::CivilDay(2024, 3, 1);
    input.lines = {domain::InvoiceLineInput{"Service", "1", domain::Money{"CHF", price}, ""}};
    absl::StatusOr<domain::Invoice> invoice = db_.Run([&](storage::Transaction& tx) {
      return app::CreateDraftInvoice(tx, company ? company : company_, input, NextCreateTime());
    });
    EXPECT_TRUE(invoice.ok()) << invoice.status();
    return invoice.ok() ? *invoice : domain::Invoice{};
  }

  domain::Invoice Load(int64_t invoice_id, int64_t company = 0) {
    absl::StatusOr<domain::Invoice> invoice = db_.Run(
        [&](storage::Transaction& tx) { return storage::FindInvoice(tx, company ? company : company_, invoice_id); });
    EXPECT_TRUE(invoice.ok()) << invoice.status();
    return invoice.ok() ? *invoice : domain::Invoice{};
  }

  // The moves, at the invoice's current version; the invoice after.
  domain::Invoice Finalize(int64_t invoice_id, int64_t company = 0) {
    const int64_t in = company ? company : company_;
    const int64_t version = Load(invoice_id, in).version;
    return Moved(db_.Run(
        [&](storage::Transaction& tx) { return app::FinalizeInvoice(tx, in, invoice_id, version, NextCreateTime()); }));
  }
  domain::Invoice Reissue(int64_t invoice_id) {
    const int64_t version = Load(invoice_id).version;
    return Moved(db_.Run([&](storage::Transaction& tx) {
      return app::ReissueInvoice(tx, company_, invoice_id, version, NextCreateTime());
    }));
  }
  domain::Invoice Revert(int64_t invoice_id) {
    const int64_t version = Load(invoice_id).version;
    return Moved(db_.Run([&](storage::Transaction& tx) {
      return app::RevertInvoiceToDraft(tx, company_, invoice_id, version, NextCreateTime());
    }));
  }
  static domain::Invoice Moved(const absl::StatusOr<app::InvoiceMoveResult>& moved) {
    EXPECT_TRUE(moved.ok()) << moved.status();
    return moved.ok() ? moved->invoice.after : domain::Invoice{};
  }

  // A FINAL invoice of `price` CHF that bill-pay has (its rows carried out).
  domain::Invoice SentFinal(int64_t price) {
    const int64_t id = Draft(price).id;
    Finalize(id);
    DispatchAll();
    domain::Invoice sent = Load(id);
    EXPECT_THAT(sent.pay_now_url, Not(IsEmpty()));
    return sent;
  }

  std::vector<storage::SyncEvent> Rows(int64_t invoice_id = 0, int64_t company = 0) {
    storage::SyncEventFilter filter;
    filter.invoice_id = invoice_id;
    return Read([&](storage::Transaction& tx) {
      return storage::ListSyncEvents(tx, company ? company : company_, filter, 0, 1000);
    });
  }

  storage::SyncEvent Row(int64_t sync_event_id) {
    absl::StatusOr<storage::SyncEvent> row =
        db_.Run([&](storage::Transaction& tx) { return storage::FindSyncEvent(tx, company_, sync_event_id); });
    EXPECT_TRUE(row.ok()) << row.status();
    return row.ok() ? *row : storage::SyncEvent{};
  }

  std::vector<storage::SyncEvent> Claim(const std::string& owner, absl::Duration lease = absl::Minutes(1),
                                        int limit = 10) {
    return Read([&](storage::Transaction& tx) {
      return storage::ClaimDueSyncEvents(tx, owner, lease, limit, clock_.Now());
    });
  }

  app::DispatchReport Dispatch(const storage::SyncEvent& claimed) {
    return app::DispatchSyncEvent(gateways_, claimed, clock_, Policy(), random_);
  }

  // Claims one row (the test made it the only due one) and carries it out.
  app::DispatchReport DispatchOne() {
    std::vector<storage::SyncEvent> claimed = Claim("test-dispatcher", absl::Minutes(1), 1);
    EXPECT_EQ(claimed.size(), 1u);
    if (claimed.empty()) return {app::DispatchEnd::kLeaseLost, "nothing was due"};
    return Dispatch(claimed.front());
  }

  // What the dispatcher's loop does: claim due rows and carry them out,
  // until none is due.
  void DispatchAll() {
    for (int round = 0; round < 100; ++round) {
      std::vector<storage::SyncEvent> claimed = Claim("test-dispatcher");
      if (claimed.empty()) return;
      for (const storage::SyncEvent& event : claimed) Dispatch(event);
    }
    ADD_FAILURE() << "rows were still due after 100 rounds";
  }

  int64_t PdfRevision(int64_t invoice_id) {
    std::optional<storage::StoredPdf> pdf =
        Read([&](storage::Transaction& tx) { return storage::FindInvoicePdf(tx, company_, invoice_id); });
    return pdf ? pdf->revision : 0;
  }
  std::string PdfBytes(int64_t invoice_id) {
    std::optional<storage::StoredPdf> pdf =
        Read([&](storage::Transaction& tx) { return storage::FindInvoicePdf(tx, company_, invoice_id); });
    return pdf ? pdf->pdf : "";
  }

  // The idempotency key of one bill-pay call of a row (app/sync_dispatch.cc).
  std::string Key(int64_t sync_event_id, const std::string& call = "create", int retries = 0) const {
    return absl::StrCat("ih-", company_, "-", sync_event_id, "-r", retries, "-", call);
  }

  std::string Count(const std::string& table_and_where) {
    return db_.Scalar(absl::StrCat("SELECT count(*) FROM ", table_and_where));
  }

  template <typename Body>
  void Write(Body&& body) {
    db_.Write(std::forward<Body>(body));
  }
  template <typename Body>
  auto Read(Body&& body) -> std::invoke_result_t<Body, storage::Transaction&> {
    return db_.Read(std::forward<Body>(body));
  }

  MigratedDatabase db_;
  std::shared_ptr<FakeBillPay> fake_;
  app::BillPayGateways gateways_;
  domain::FixedClock clock_{At(2024, 6, 1)};  // after every row's creation: all are due
  std::mt19937_64 random_{7};
  int64_t company_ = 0;
  int64_t customer_ = 0;
};

// ---------------------------------------------------------------- appending

// BP-1: finalizing with an enabled account appends one send_invoice row and
// marks the invoice pending, in the finalize's own transaction: rolled back
// together, and invisible to others until it commits.
TEST_F(SyncDispatchTest, FinalizeAppendsSendRowInItsTransaction) {
  const domain::Invoice draft = Draft(10000);
  absl::Status rolled_back = db_.RunStatus([&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(app::InvoiceMoveResult moved,
                     app::FinalizeInvoice(tx, company_, draft.id, draft.version, NextCreateTime()));
    EXPECT_EQ(moved.invoice.after.sync_state, InvoiceSyncState::kPending);
    std::vector<storage::SyncEvent> inside = storage::ListSyncEvents(tx, company_, {}, 0, 10);
    EXPECT_EQ(inside.size(), 1u);
    EXPECT_EQ(Count("sync_events"), "0");  // another connection sees nothing yet
    return absl::AbortedError("rolled back on purpose");
  });
  EXPECT_TRUE(absl::IsAborted(rolled_back)) << rolled_back;
  EXPECT_EQ(Count("sync_events"), "0");
  EXPECT_EQ(Load(draft.id).state, InvoiceState::kDraft);
  EXPECT_EQ(Load(draft.id).sync_state, InvoiceSyncState::kNone);

  const domain::Invoice final = Finalize(draft.id);
  EXPECT_EQ(final.sync_state, InvoiceSyncState::kPending);
  std::vector<storage::SyncEvent> rows = Rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].action, SyncAction::kSendInvoice);
  EXPECT_EQ(rows[0].invoice_id, draft.id);
  EXPECT_EQ(rows[0].order_key, absl::StrCat("invoice:", draft.id));
  EXPECT_EQ(rows[0].state, SyncState::kPending);
  EXPECT_EQ(rows[0].attempts, 0);
  EXPECT_EQ(Load(draft.id).sync_state, InvoiceSyncState::kPending);
}

// BP-1: a company without a bill-pay account has nothing to tell bill-pay:
// no row, and the invoice's sync state stays none.
TEST_F(SyncDispatchTest, NoRowsWithoutAnAccount) {
  const int64_t without = AddCompany(db_, "No Bill-pay AG");
  const int64_t customer = AddCustomer(db_, without, "Kunde");
  const int64_t invoice = Draft(5000, customer, without).id;
  const domain::Invoice final = Finalize(invoice, without);
  EXPECT_EQ(final.state, InvoiceState::kFinal);
  EXPECT_EQ(final.sync_state, InvoiceSyncState::kNone);
  EXPECT_THAT(Rows(0, without), IsEmpty());
  EXPECT_EQ(Load(invoice, without).sync_state, InvoiceSyncState::kNone);
}

// BP-1: while a company's account is disabled its changes still get rows,
// which wait (no attempt used) and go out once it is enabled again, so
// bill-pay never misses a revert or a payment made meanwhile.
TEST_F(SyncDispatchTest, ADisabledAccountsRowsWaitUntilItIsEnabled) {
  const int64_t company = AddCompany(db_, "Paused Bill-pay AG");
  SetAccount(company, /*enabled=*/false);
  const int64_t customer = AddCustomer(db_, company, "Kunde");
  const int64_t invoice = Draft(5000, customer, company).id;
  EXPECT_EQ(Finalize(invoice, company).sync_state, InvoiceSyncState::kPending);
  ASSERT_EQ(Rows(0, company).size(), 1u);
  EXPECT_THAT(Claim("while-disabled"), IsEmpty());
  EXPECT_EQ(Rows(0, company)[0].attempts, 0);

  SetAccount(company, /*enabled=*/true);
  std::vector<storage::SyncEvent> claimed = Claim("after-enabling");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].invoice_id, invoice);
}

// ---------------------------------------------------------------- claiming

// Outbox ordering: rows of one invoice go out one at a time in the order
// appended; a parked row holds back the later rows of its invoice until it
// is requeued; rows of different invoices go out together.
TEST_F(SyncDispatchTest, RowsOfOneInvoiceAreClaimedInOrder) {
  const int64_t a = Draft(10000).id;
  Finalize(a);
  Revert(a);
  Finalize(a);
  const int64_t b = Draft(20000).id;
  Finalize(b);
  std::vector<storage::SyncEvent> rows_a = Rows(a), rows_b = Rows(b);
  ASSERT_EQ(rows_a.size(), 3u);
  ASSERT_EQ(rows_b.size(), 1u);
  EXPECT_EQ(rows_a[0].action, SyncAction::kSendInvoice);
  EXPECT_EQ(rows_a[1].action, SyncAction::kDeleteInvoice);
  EXPECT_EQ(rows_a[2].action, SyncAction::kSendInvoice);

  std::vector<storage::SyncEvent> first = Claim("one");
  EXPECT_THAT(IdsOf(first), UnorderedElementsAreArray({rows_a[0].id, rows_b[0].id}));
  EXPECT_THAT(Claim("two"), IsEmpty());  // a1 and b1 leased, a2 waits behind a1

  const storage::SyncEvent& a1 = first[0].id == rows_a[0].id ? first[0] : first[1];
  EXPECT_TRUE(Read([&](storage::Transaction& tx) { return storage::MarkSyncEventSynced(tx, a1, "sent", clock_.Now()); }));
  std::vector<storage::SyncEvent> second = Claim("two");
  ASSERT_THAT(IdsOf(second), ElementsAre(rows_a[1].id));

  EXPECT_TRUE(Read([&](storage::Transaction& tx) {
    return storage::ParkSyncEvent(tx, second[0], "permanent: refused", clock_.Now());
  }));
  EXPECT_EQ(Row(rows_a[1].id).state, SyncState::kFailed);
  EXPECT_EQ(Load(a).sync_state, InvoiceSyncState::kFailed);
  EXPECT_EQ(Load(a).sync_error, "permanent: refused");
  EXPECT_THAT(Claim("three"), IsEmpty());  // a3 waits behind the parked a2

  Write([&](storage::Transaction& tx) { storage::RequeueSyncEvent(tx, company_, rows_a[1].id, clock_.Now()); });
  std::vector<storage::SyncEvent> requeued = Claim("four");
  ASSERT_THAT(IdsOf(requeued), ElementsAre(rows_a[1].id));
  EXPECT_EQ(requeued[0].attempts, 1);
  EXPECT_TRUE(Read([&](storage::Transaction& tx) {
    return storage::MarkSyncEventSynced(tx, requeued[0], "deleted", clock_.Now());
  }));
  EXPECT_THAT(IdsOf(Claim("five")), ElementsAre(rows_a[2].id));
}

// Outbox SKIP LOCKED: a claimer does not wait for rows another claimer has
// locked in its open transaction; it takes the others, so the two get
// disjoint rows.
TEST_F(SyncDispatchTest, ConcurrentClaimersGetDisjointRows) {
  std::vector<int64_t> all;
  for (int i = 0; i < 4; ++i) {
    const int64_t id = Draft(1000 + i).id;
    Finalize(id);
    all.push_back(Rows(id).front().id);
  }
  std::promise<void> first_claimed, second_done;
  std::shared_future<void> first_claimed_future = first_claimed.get_future().share();
  std::future<void> second_done_future = second_done.get_future();
  std::vector<storage::SyncEvent> first, second;
  bool second_finished_while_first_open = false;
  std::thread first_thread([&] {
    absl::Status status = db_.db().InTransaction([&](storage::Transaction& tx) {
      first = storage::ClaimDueSyncEvents(tx, "first", absl::Minutes(1), 2, clock_.Now());
      first_claimed.set_value();
      // Holds its transaction (and row locks) open until the second claimed,
      // or a generous bound in case the second is wrongly blocked.
      second_finished_while_first_open =
          second_done_future.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  std::thread second_thread([&] {
    first_claimed_future.wait();
    absl::Status status = db_.db().InTransaction([&](storage::Transaction& tx) {
      second = storage::ClaimDueSyncEvents(tx, "second", absl::Minutes(1), 10, clock_.Now());
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    second_done.set_value();
  });
  first_thread.join();
  second_thread.join();

  EXPECT_TRUE(second_finished_while_first_open) << "the second claimer waited for the first's locks";
  EXPECT_EQ(first.size(), 2u);
  EXPECT_EQ(second.size(), 2u);
  std::vector<int64_t> both = IdsOf(first);
  for (int64_t id : IdsOf(second)) both.push_back(id);
  EXPECT_THAT(both, UnorderedElementsAreArray(all));  // each row once: disjoint and complete
}

// Outbox SKIP LOCKED and leases under load: three dispatchers over 30 rows
// carry out each row exactly once (one CreateInvoice per idempotency key).
// BP-3 under concurrency: every customer create uses the customer's key.
TEST_F(SyncDispatchTest, SeveralDispatchersCarryOutEachRowOnce) {
  constexpr int kInvoices = 30;
  std::vector<int64_t> invoices;
  for (int i = 0; i < kInvoices; ++i) {
    invoices.push_back(Draft(100 + i).id);
    Finalize(invoices.back());
  }
  ASSERT_EQ(Rows().size(), static_cast<size_t>(kInvoices));

  std::vector<int> carried(3, 0);
  testing::RunConcurrently(3, [&](int i) {
    // What SyncDispatcher::RunOnce does, with its own owner and batch of 2.
    const std::string owner = absl::StrCat("dispatcher-", i);
    std::mt19937_64 random(static_cast<uint64_t>(i));
    for (int round = 0; round < 1000; ++round) {
      std::vector<storage::SyncEvent> claimed;
      absl::Status status = db_.db().InTransaction([&](storage::Transaction& tx) {
        claimed = storage::ClaimDueSyncEvents(tx, owner, absl::Minutes(2), 2, clock_.Now());
        return absl::OkStatus();
      });
      EXPECT_TRUE(status.ok()) << status;
      // Nothing claimable: every row left is synced or in another's hands.
      if (claimed.empty()) return;
      for (const storage::SyncEvent& event : claimed) {
        app::DispatchReport report = app::DispatchSyncEvent(gateways_, event, clock_, Policy(), random);
        EXPECT_EQ(report.end, app::DispatchEnd::kSynced) << report.detail;
        ++carried[static_cast<size_t>(i)];
      }
    }
  });

  EXPECT_EQ(carried[0] + carried[1] + carried[2], kInvoices);
  EXPECT_EQ(Count("sync_events WHERE state = 'synced'"), std::to_string(kInvoices));
  std::map<std::string, int> creates_by_key;
  for (const GatewayCall& call : fake_->Calls(Call::kCreateInvoice)) ++creates_by_key[call.key];
  EXPECT_EQ(creates_by_key.size(), static_cast<size_t>(kInvoices));
  for (const storage::SyncEvent& row : Rows()) EXPECT_EQ(creates_by_key[Key(row.id)], 1) << Key(row.id);
  for (int64_t invoice : invoices) EXPECT_THAT(Load(invoice).pay_now_url, HasSubstr("https://pay.example/p/"));
  EXPECT_EQ(fake_->Calls(Call::kCreateCustomer).size(), 1u);
  EXPECT_EQ(Count("billpay_customers"), "1");
}

// Outbox leases: a row whose dispatcher died mid-dispatch (claimed, never
// ended) is not taken again before its lease ends, and is after. The dead
// owner's late ends are fenced off: they answer false and change nothing.
TEST_F(SyncDispatchTest, ExpiredLeaseIsTakenOverAndTheDeadOwnerIsFenced) {
  const int64_t invoice = Draft(7000).id;
  Finalize(invoice);
  std::vector<storage::SyncEvent> dead = Claim("dead", absl::Minutes(1));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 1);
  EXPECT_EQ(dead[0].lease_owner, "dead");

  clock_.Set(clock_.Now() + absl::Seconds(30));
  EXPECT_THAT(Claim("alive"), IsEmpty());  // the lease still runs
  clock_.Set(clock_.Now() + absl::Seconds(31));
  std::vector<storage::SyncEvent> alive = Claim("alive", absl::Minutes(1));
  ASSERT_EQ(alive.size(), 1u);
  EXPECT_EQ(alive[0].id, dead[0].id);
  EXPECT_EQ(alive[0].attempts, 2);
  EXPECT_EQ(alive[0].lease_owner, "alive");

  const storage::SyncEvent before = Row(dead[0].id);
  EXPECT_FALSE(Read([&](storage::Transaction& tx) {
    return storage::MarkSyncEventSynced(tx, dead[0], "late", clock_.Now());
  }));
  EXPECT_FALSE(Read([&](storage::Transaction& tx) {
    return storage::RescheduleSyncEvent(tx, dead[0], "late", clock_.Now() + absl::Hours(1), clock_.Now());
  }));
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::ParkSyncEvent(tx, dead[0], "late", clock_.Now()); }));
  const storage::SyncEvent after = Row(dead[0].id);
  EXPECT_EQ(after.state, SyncState::kPending);
  EXPECT_EQ(after.lease_owner, "alive");
  EXPECT_EQ(after.attempts, before.attempts);
  EXPECT_EQ(after.result, "");
  EXPECT_EQ(after.last_error, "");
  EXPECT_EQ(after.next_attempt_time, before.next_attempt_time);
  EXPECT_EQ(after.update_time, before.update_time);

  // A dispatch by the dead owner that comes back late ends as lease lost.
  app::DispatchReport late = Dispatch(dead[0]);
  EXPECT_EQ(late.end, app::DispatchEnd::kLeaseLost) << late.detail;
  EXPECT_EQ(Row(dead[0].id).lease_owner, "alive");

  app::DispatchReport report = Dispatch(alive[0]);
  EXPECT_EQ(report.end, app::DispatchEnd::kSynced) << report.detail;
  EXPECT_EQ(Row(dead[0].id).state, SyncState::kSynced);
  // Both attempts asked bill-pay with the row's one key, so it made one record.
  for (const GatewayCall& call : fake_->Calls(Call::kCreateInvoice)) EXPECT_EQ(call.key, Key(dead[0].id));
  EXPECT_EQ(Count("billpay_invoices"), "1");
}

// ---------------------------------------------------------------- outcomes

// BP-1, BP-4: done → the row is synced with what was done, the link saved,
// the Pay Now URL on the invoice without a version bump (a clerk's read
// stays current), and printed in a new revision of its PDF.
TEST_F(SyncDispatchTest, DoneSavesLinkAndPayNowUrl) {
  const int64_t invoice = Draft(12345).id;
  const domain::Invoice final = Finalize(invoice);
  const int64_t revision = PdfRevision(invoice);
  EXPECT_THAT(PdfText(PdfBytes(invoice)), Not(HasSubstr("https://pay.example")));

  app::DispatchReport report = DispatchOne();
  EXPECT_EQ(report.end, app::DispatchEnd::kSynced) << report.detail;
  const storage::SyncEvent row = Rows(invoice).front();
  EXPECT_EQ(row.state, SyncState::kSynced);
  EXPECT_EQ(row.result, "created inv_1");
  EXPECT_EQ(row.last_error, "");

  std::vector<GatewayCall> creates = fake_->Calls(Call::kCreateInvoice);
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].key, Key(row.id));
  EXPECT_EQ(creates[0].target, absl::StrCat(invoice));
  EXPECT_EQ(creates[0].number, final.number);
  EXPECT_EQ(creates[0].amount, 12345);
  EXPECT_EQ(creates[0].outstanding, 12345);
  EXPECT_TRUE(creates[0].with_pdf);

  std::optional<storage::BillPayInvoiceLink> link =
      Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, invoice); });
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->billpay_invoice_id, "inv_1");
  EXPECT_EQ(link->pay_now_url, "https://pay.example/p/tok1");

  const domain::Invoice sent = Load(invoice);
  EXPECT_EQ(sent.pay_now_url, "https://pay.example/p/tok1");
  EXPECT_EQ(sent.version, final.version);
  EXPECT_EQ(sent.sync_state, InvoiceSyncState::kSynced);
  EXPECT_EQ(sent.sync_error, "");
  EXPECT_EQ(PdfRevision(invoice), revision + 1);
  EXPECT_THAT(PdfText(PdfBytes(invoice)), HasSubstr("https://pay.example/p/tok1"));
}

// Outbox retries: retryable and unknown leave the row pending with the
// attempt counted, due again after a backoff in [d/2, d] (d doubling), the
// error on the row and on the invoice; the same key is used every time.
TEST_F(SyncDispatchTest, RetryableAndUnknownAreRescheduledWithBackoff) {
  fake_->Script(Call::kCreateInvoice, Outcome::kRetryable, "503 unavailable");
  fake_->Script(Call::kCreateInvoice, Outcome::kUnknown, "no answer within 10 s");
  const int64_t invoice = Draft(5000).id;
  Finalize(invoice);
  const int64_t id = Rows(invoice).front().id;
  const domain::RetryPolicy policy = Policy();

  const absl::Time t0 = clock_.Now();
  app::DispatchReport first = DispatchOne();
  EXPECT_EQ(first.end, app::DispatchEnd::kRescheduled) << first.detail;
  storage::SyncEvent row = Row(id);
  EXPECT_EQ(row.state, SyncState::kPending);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_GE(row.next_attempt_time, t0 + policy.base_delay / 2 - absl::Microseconds(1));
  EXPECT_LE(row.next_attempt_time, t0 + policy.base_delay);
  EXPECT_THAT(row.last_error, HasSubstr("retryable"));
  EXPECT_THAT(row.last_error, HasSubstr("503 unavailable"));
  EXPECT_EQ(row.lease_owner, "");
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kPending);
  EXPECT_EQ(Load(invoice).sync_error, row.last_error);
  EXPECT_THAT(Claim("early"), IsEmpty());  // not due before its time

  clock_.Set(t0 + policy.max_delay);
  const absl::Time t1 = clock_.Now();
  app::DispatchReport second = DispatchOne();
  EXPECT_EQ(second.end, app::DispatchEnd::kRescheduled) << second.detail;
  row = Row(id);
  EXPECT_EQ(row.state, SyncState::kPending);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_GE(row.next_attempt_time, t1 + policy.base_delay - absl::Microseconds(1));
  EXPECT_LE(row.next_attempt_time, t1 + 2 * policy.base_delay);
  EXPECT_THAT(row.last_error, HasSubstr("unknown"));
  EXPECT_THAT(row.last_error, HasSubstr("no answer within 10 s"));
  EXPECT_EQ(Load(invoice).sync_error, row.last_error);

  clock_.Set(t1 + policy.max_delay);
  app::DispatchReport third = DispatchOne();
  EXPECT_EQ(third.end, app::DispatchEnd::kSynced) << third.detail;
  EXPECT_EQ(Row(id).attempts, 3);
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kSynced);
  EXPECT_EQ(Load(invoice).sync_error, "");
  std::vector<GatewayCall> creates = fake_->Calls(Call::kCreateInvoice);
  ASSERT_EQ(creates.size(), 3u);
  for (const GatewayCall& call : creates) EXPECT_EQ(call.key, Key(id));
}

// Outbox parking: a permanent answer parks the row at once and the invoice
// shows failed with the error; requeueing makes it pending again with a fresh
// count, and it goes out.
TEST_F(SyncDispatchTest, PermanentParksAtOnceAndRequeueRetries) {
  fake_->Script(Call::kCreateInvoice, Outcome::kPermanent, "400 invalid_request: amount");
  const int64_t invoice = Draft(5000).id;
  Finalize(invoice);
  const int64_t id = Rows(invoice).front().id;

  app::DispatchReport report = DispatchOne();
  EXPECT_EQ(report.end, app::DispatchEnd::kParked) << report.detail;
  storage::SyncEvent row = Row(id);
  EXPECT_EQ(row.state, SyncState::kFailed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_THAT(row.last_error, HasSubstr("permanent"));
  EXPECT_THAT(row.last_error, HasSubstr("400 invalid_request: amount"));
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kFailed);
  EXPECT_EQ(Load(invoice).sync_error, row.last_error);
  clock_.Set(clock_.Now() + absl::Hours(1));
  EXPECT_THAT(Claim("later"), IsEmpty());  // parked rows wait for a person

  // What the Requeue API does: the row, then the invoice's view of it.
  Write([&](storage::Transaction& tx) {
    storage::RequeueSyncEvent(tx, company_, id, clock_.Now());
    storage::RefreshInvoiceSyncState(tx, company_, invoice);
  });
  row = Row(id);
  EXPECT_EQ(row.state, SyncState::kPending);
  EXPECT_EQ(row.attempts, 0);
  EXPECT_EQ(row.next_attempt_time, clock_.Now());
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kPending);

  report = DispatchOne();
  EXPECT_EQ(report.end, app::DispatchEnd::kSynced) << report.detail;
  EXPECT_EQ(Row(id).attempts, 1);
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kSynced);
  EXPECT_EQ(Load(invoice).sync_error, "");
}

// Outbox parking: a parked row holds back every later row of its invoice,
// so a change that appends one (here a reissue and refinalize) must leave
// the invoice showing failed with the parked row's error, not pending.
// Once requeued, both rows go out in order.
TEST_F(SyncDispatchTest, ParkedRowStaysVisibleWhenLaterRowsAreAppended) {
  fake_->Script(Call::kCreateInvoice, Outcome::kPermanent, "400 invalid_request: number");
  const int64_t invoice = Draft(5000).id;
  Finalize(invoice);
  EXPECT_EQ(DispatchOne().end, app::DispatchEnd::kParked);
  const storage::SyncEvent parked = Rows(invoice).front();

  Reissue(invoice);
  const domain::Invoice refinalized = Finalize(invoice);
  ASSERT_EQ(Rows(invoice).size(), 2u);
  EXPECT_EQ(refinalized.sync_state, InvoiceSyncState::kFailed);  // what the move answers
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kFailed);
  EXPECT_EQ(Load(invoice).sync_error, parked.last_error);
  EXPECT_THAT(Claim("blocked"), IsEmpty());

  Write([&](storage::Transaction& tx) {
    storage::RequeueSyncEvent(tx, company_, parked.id, clock_.Now());
    storage::RefreshInvoiceSyncState(tx, company_, invoice);
  });
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kPending);
  DispatchAll();
  std::vector<storage::SyncEvent> rows = Rows(invoice);
  EXPECT_EQ(rows[0].result, "created inv_1");
  EXPECT_EQ(rows[1].result, "updated inv_1");
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kSynced);
}

// Outbox parking: once max_attempts dispatches failed, the row is parked.
TEST_F(SyncDispatchTest, RowIsParkedWhenAttemptsRunOut) {
  const domain::RetryPolicy policy = Policy();
  for (int i = 0; i < policy.max_attempts; ++i) fake_->Script(Call::kCreateInvoice, Outcome::kRetryable, "503");
  const int64_t invoice = Draft(5000).id;
  Finalize(invoice);
  const int64_t id = Rows(invoice).front().id;
  for (int attempt = 1; attempt <= policy.max_attempts; ++attempt) {
    app::DispatchReport report = DispatchOne();
    EXPECT_EQ(report.end, attempt < policy.max_attempts ? app::DispatchEnd::kRescheduled : app::DispatchEnd::kParked)
        << "attempt " << attempt << ": " << report.detail;
    clock_.Set(clock_.Now() + policy.max_delay);
  }
  EXPECT_EQ(Row(id).state, SyncState::kFailed);
  EXPECT_EQ(Row(id).attempts, policy.max_attempts);
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kFailed);
  EXPECT_EQ(fake_->Calls(Call::kCreateInvoice).size(), static_cast<size_t>(policy.max_attempts));
}

// ---------------------------------------------------------------- BP rules

// BP-2: an invoice of amount zero is not sent: its row is synced as skipped
// and bill-pay is not called at all.
TEST_F(SyncDispatchTest, ZeroAmountInvoiceIsNotSent) {
  const int64_t invoice = Draft(0).id;
  Finalize(invoice);
  DispatchAll();
  const storage::SyncEvent row = Rows(invoice).front();
  EXPECT_EQ(row.state, SyncState::kSynced);
  EXPECT_EQ(row.result, "skipped: nothing to send (BP-2)");
  EXPECT_THAT(fake_->Calls(), IsEmpty());
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kSynced);
  EXPECT_EQ(Load(invoice).pay_now_url, "");
}

// BP-2: an invoice whose outstanding nets to zero because a prepayment was
// applied (in REISSUE) is not sent when finalized: every row is skipped and
// bill-pay is not called.
TEST_F(SyncDispatchTest, InvoiceNettedToZeroByPrepaymentIsNotSent) {
  const int64_t invoice = Draft(8000).id;
  Finalize(invoice);
  Reissue(invoice);
  app::PaymentInput prepayment;
  prepayment.customer_id = customer_;
  prepayment.amount = domain::Money{"CHF", 8000};
  prepayment.method = domain::PaymentMethod::kWire;
  absl::StatusOr<app::PaymentMoveResult> recorded =
      db_.Run([&](storage::Transaction& tx) { return app::RecordPayment(tx, company_, prepayment, NextCreateTime()); });
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  absl::StatusOr<app::PaymentMoveResult> applied = db_.Run([&](storage::Transaction& tx) {
    return app::ApplyPrepayment(tx, company_, recorded->payment.id, invoice, std::nullopt, NextCreateTime());
  });
  ASSERT_TRUE(applied.ok()) << applied.status();
  const domain::Invoice final = Finalize(invoice);
  EXPECT_EQ(final.outstanding_minor, 0);
  EXPECT_TRUE(final.nothing_to_send);

  DispatchAll();
  EXPECT_THAT(fake_->Calls(), IsEmpty());
  EXPECT_EQ(Count("sync_events WHERE state <> 'synced'"), "0");
  const std::vector<storage::SyncEvent> rows = Rows(invoice);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.back().action, SyncAction::kSendInvoice);
  EXPECT_EQ(rows.back().result, "skipped: nothing to send (BP-2)");
  EXPECT_EQ(Load(invoice).sync_state, InvoiceSyncState::kSynced);
}

// BP-3: the customer is looked up and created in bill-pay once for all its
// invoices.
TEST_F(SyncDispatchTest, CustomerIsCreatedOnceForItsInvoices) {
  const int64_t a = Draft(1000).id, b = Draft(2000).id;
  Finalize(a);
  Finalize(b);
  DispatchAll();
  EXPECT_EQ(fake_->Calls(Call::kFindCustomer).size(), 1u);
  std::vector<GatewayCall> created = fake_->Calls(Call::kCreateCustomer);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].key, Key(Rows(a)[0].id, "customer"));
  EXPECT_EQ(created[0].target, absl::StrCat(customer_));
  std::vector<GatewayCall> invoices = fake_->Calls(Call::kCreateInvoice);
  ASSERT_EQ(invoices.size(), 2u);
  EXPECT_EQ(invoices[0].customer_id, "cus_1");
  EXPECT_EQ(invoices[1].customer_id, "cus_1");
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, company_, customer_); }),
            "cus_1");
}

// BP-3: a create that may or may not have happened is repeated with the same
// key, so bill-pay makes the customer once.
TEST_F(SyncDispatchTest, CustomerCreateIsRepeatedWithTheSameKey) {
  fake_->Script(Call::kCreateCustomer, Outcome::kUnknown, "connection reset");
  const int64_t invoice = Draft(1000).id;
  Finalize(invoice);
  EXPECT_EQ(DispatchOne().end, app::DispatchEnd::kRescheduled);
  EXPECT_THAT(fake_->Calls(Call::kCreateInvoice), IsEmpty());
  clock_.Set(clock_.Now() + Policy().max_delay);
  EXPECT_EQ(DispatchOne().end, app::DispatchEnd::kSynced);
  std::vector<GatewayCall> created = fake_->Calls(Call::kCreateCustomer);
  ASSERT_EQ(created.size(), 2u);
  EXPECT_EQ(created[0].key, created[1].key);
  EXPECT_EQ(created[0].key, Key(Rows(invoice)[0].id, "customer"));
  EXPECT_EQ(fake_->Calls(Call::kCreateInvoice).size(), 1u);
}

// BP-3: a customer bill-pay already has (found by our id) is adopted, not
// created again.
TEST_F(SyncDispatchTest, CustomerKnownToBillPayIsAdopted) {
  fake_->AddExistingCustomer(absl::StrCat(customer_), "cus_existing");
  const int64_t invoice = Draft(1000).id;
  Finalize(invoice);
  DispatchAll();
  EXPECT_THAT(fake_->Calls(Call::kCreateCustomer), IsEmpty());
  std::vector<GatewayCall> invoices = fake_->Calls(Call::kCreateInvoice);
  ASSERT_EQ(invoices.size(), 1u);
  EXPECT_EQ(invoices[0].customer_id, "cus_existing");
  EXPECT_EQ(Read([&](storage::Transaction& tx) { return storage::FindBillPayCustomerId(tx, company_, customer_); }),
            "cus_existing");
}

// BP-9: back to DRAFT deletes the live record in bill-pay (the link is kept
// as deleted); the next finalize creates a new record with a new Pay Now URL.
TEST_F(SyncDispatchTest, RevertDeletesRecordAndRefinalizeCreatesNewOne) {
  const domain::Invoice sent = SentFinal(4000);
  const std::string first_url = sent.pay_now_url;
  EXPECT_EQ(Revert(sent.id).pay_now_url, "");
  DispatchAll();
  std::vector<GatewayCall> deletes = fake_->Calls(Call::kDeleteInvoice);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].target, "inv_1");
  EXPECT_EQ(deletes[0].key, Key(Rows(sent.id)[1].id, "delete"));
  std::optional<storage::BillPayInvoiceLink> old =
      Read([&](storage::Transaction& tx) { return storage::FindBillPayInvoice(tx, company_, "inv_1"); });
  ASSERT_TRUE(old.has_value());
  EXPECT_FALSE(old->live);
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, sent.id); })
                   .has_value());

  Finalize(sent.id);
  DispatchAll();
  std::vector<GatewayCall> creates = fake_->Calls(Call::kCreateInvoice);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_NE(creates[1].key, creates[0].key);
  const domain::Invoice again = Load(sent.id);
  EXPECT_THAT(again.pay_now_url, Not(IsEmpty()));
  EXPECT_NE(again.pay_now_url, first_url);
  std::optional<storage::BillPayInvoiceLink> live =
      Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, sent.id); });
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->billpay_invoice_id, "inv_2");
  EXPECT_EQ(live->pay_now_url, again.pay_now_url);
}

// BP-9, BP-12 of the outbound side: a create that bill-pay carried out but
// whose answer was lost, for an invoice voided before the retry. The retry
// finds the record by our id and links it, so the void's delete removes it:
// no live Pay Now URL is left for a VOID invoice.
TEST_F(SyncDispatchTest, ARecordWhoseCreateAnswerWasLostIsFoundAndDeleted) {
  const int64_t invoice = Draft(4000).id;
  Finalize(invoice);
  fake_->Script(Call::kCreateInvoice, Outcome::kUnknown, "no answer within 10 s");
  ASSERT_EQ(DispatchOne().end, app::DispatchEnd::kRescheduled);
  // What bill-pay did with the lost call: the record exists there.
  billpay::InvoiceDocument lost;
  lost.customer_id = "cus_1";
  lost.external_id = absl::StrCat(invoice);
  lost.amount_minor = lost.outstanding_minor = 4000;
  ASSERT_TRUE(fake_->CreateInvoice(lost, "the-lost-call").done());
  const int64_t version = Load(invoice).version;
  Moved(db_.Run([&](storage::Transaction& tx) {
    return app::VoidInvoice(tx, company_, invoice, version, "duplicate", NextCreateTime());
  }));

  clock_.Set(clock_.Now() + Policy().max_delay);
  DispatchAll();
  EXPECT_EQ(Rows(invoice)[0].result, "skipped: the invoice is VOID");
  std::vector<GatewayCall> deletes = fake_->Calls(Call::kDeleteInvoice);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].target, "inv_1");
  EXPECT_FALSE(Read([&](storage::Transaction& tx) { return storage::FindLiveBillPayInvoice(tx, company_, invoice); })
                   .has_value());
  EXPECT_EQ(Load(invoice).pay_now_url, "");
}

// BP-4, BP-9: final → draft → final before anything went out. The first
// send goes out late, sees a FINAL invoice and puts its record's URL on it;
// its record is then deleted, and that dead URL must not stay on the invoice
// until the last send brings the new one.
TEST_F(SyncDispatchTest, ALateSendsUrlIsTakenOffWhenItsRecordIsDeleted) {
  const domain::Invoice draft = Draft(4000);
  Finalize(draft.id);
  Revert(draft.id);
  Finalize(draft.id);
  std::vector<storage::SyncEvent> rows = Rows(draft.id);
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_EQ(DispatchOne().end, app::DispatchEnd::kSynced);  // the first send: record inv_1
  const std::string dead_url = Load(draft.id).pay_now_url;
  ASSERT_THAT(dead_url, Not(IsEmpty()));
  ASSERT_EQ(DispatchOne().end, app::DispatchEnd::kSynced);  // its delete
  EXPECT_EQ(Load(draft.id).pay_now_url, "");
  ASSERT_EQ(DispatchOne().end, app::DispatchEnd::kSynced);  // the last send: record inv_2
  const domain::Invoice final_again = Load(draft.id);
  EXPECT_THAT(final_again.pay_now_url, Not(IsEmpty()));
  EXPECT_NE(final_again.pay_now_url, dead_url);
}

// BP-11: REISSUE → FINAL updates the same record with the new amount,
// outstanding, number and PDF; the Pay Now URL stays.
TEST_F(SyncDispatchTest, RefinalizeAfterReissueUpdatesTheSameRecord) {
  const domain::Invoice sent = SentFinal(4000);
  const size_t rows_before = Rows(sent.id).size();
  const domain::Invoice reissued = Reissue(sent.id);
  EXPECT_EQ(Rows(sent.id).size(), rows_before);  // the record stays until the next finalize
  app::InvoiceDraftInput edit;
  edit.lines = {domain::InvoiceLineInput{"Service, corrected", "1", domain::Money{"CHF", 4500}, ""}};
  absl::StatusOr<app::Change<domain::Invoice>> edited = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, sent.id, reissued.version, edit,
                                      domain::UpdateMask::All({"lines"}), NextCreateTime());
  });
  ASSERT_TRUE(edited.ok()) << edited.status();
  Finalize(sent.id);
  DispatchAll();

  EXPECT_EQ(fake_->Calls(Call::kCreateInvoice).size(), 1u);
  EXPECT_THAT(fake_->Calls(Call::kDeleteInvoice), IsEmpty());
  std::vector<GatewayCall> updates = fake_->Calls(Call::kUpdateInvoice);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].target, "inv_1");
  EXPECT_EQ(updates[0].amount, 4500);
  EXPECT_EQ(updates[0].outstanding, 4500);
  EXPECT_EQ(updates[0].number, sent.number);
  EXPECT_TRUE(updates[0].with_pdf);
  EXPECT_EQ(Load(sent.id).pay_now_url, sent.pay_now_url);
  EXPECT_EQ(Rows(sent.id).back().result, "updated inv_1");
}

// BP-8, BP-10: a payer's payment over two invoices leaves bill-pay only when
// both are back (reissuing one deletes nothing; reverting the other deletes
// it once). Its prepayment applied to a FINAL invoice in bill-pay is paid
// again there (then the outstanding is sent); reverting that invoice deletes
// only the payment we made.
TEST_F(SyncDispatchTest, PayerPaymentLeavesOnceAllInvoicesAreBackAndIsPaidAgainWhenApplied) {
  const domain::Invoice a = SentFinal(10000), b = SentFinal(10000), c = SentFinal(15000);
  app::PaymentInput input;
  input.customer_id = customer_;
  input.amount = domain::Money{"CHF", 20000};
  input.method = domain::PaymentMethod::kCard;
  input.allocations = {{a.id, domain::Money{"CHF", 10000}}, {b.id, domain::Money{"CHF", 10000}}};
  absl::StatusOr<app::PaymentMoveResult> recorded =
      db_.Run([&](storage::Transaction& tx) { return app::RecordPayment(tx, company_, input, NextCreateTime()); });
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  const int64_t payment = recorded->payment.id;
  Write([&](storage::Transaction& tx) {
    storage::InsertBillPayPayment(tx, company_, {"pay_payer_1", payment, storage::BillPayPaymentOrigin::kPayer, 0, true},
                                  NextCreateTime());
  });
  DispatchAll();  // the balances of a and b
  EXPECT_EQ(fake_->Calls(Call::kUpdateInvoice).size(), 2u);

  Reissue(a.id);
  DispatchAll();
  EXPECT_THAT(fake_->Calls(Call::kDeletePayment), IsEmpty());  // BP-10: b still holds it

  Revert(b.id);
  DispatchAll();
  std::vector<GatewayCall> deleted = fake_->Calls(Call::kDeletePayment);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].target, "pay_payer_1");
  std::optional<storage::BillPayPaymentLink> payer =
      Read([&](storage::Transaction& tx) { return storage::FindBillPayPayment(tx, company_, "pay_payer_1"); });
  ASSERT_TRUE(payer.has_value());
  EXPECT_FALSE(payer->live);

  // BP-8: the prepayment (20000 now) applied to c, which bill-pay has.
  const size_t updates_before = fake_->Calls(Call::kUpdateInvoice).size();
  const size_t calls_before = fake_->Calls().size();
  absl::StatusOr<app::PaymentMoveResult> applied = db_.Run([&](storage::Transaction& tx) {
    return app::ApplyPrepayment(tx, company_, payment, c.id, domain::Money{"CHF", 6000}, NextCreateTime());
  });
  ASSERT_TRUE(applied.ok()) << applied.status();
  DispatchAll();
  const std::vector<GatewayCall> calls = fake_->Calls();
  const std::vector<GatewayCall> after_apply(calls.begin() + static_cast<long>(calls_before), calls.end());
  std::vector<Call> kinds;
  for (const GatewayCall& call : after_apply) kinds.push_back(call.call);
  // The balance goes out after an import, so it counts every payment
  // bill-pay took meanwhile.
  EXPECT_THAT(kinds, ElementsAre(Call::kCreatePayment, Call::kListPayments, Call::kUpdateInvoice));
  ASSERT_EQ(after_apply.size(), 3u);
  EXPECT_EQ(after_apply[0].target, "inv_3");  // c's record
  EXPECT_EQ(after_apply[0].amount, 6000);
  EXPECT_EQ(after_apply[0].customer_id, "cus_1");
  EXPECT_EQ(after_apply[2].target, "inv_3");
  EXPECT_EQ(after_apply[2].outstanding, 9000);
  EXPECT_EQ(fake_->Calls(Call::kUpdateInvoice).size(), updates_before + 1);
  std::optional<storage::BillPayPaymentLink> api =
      Read([&](storage::Transaction& tx) { return storage::FindBillPayPayment(tx, company_, "pay_api_1"); });
  ASSERT_TRUE(api.has_value());
  EXPECT_EQ(api->origin, storage::BillPayPaymentOrigin::kApi);
  EXPECT_EQ(api->invoice_id, c.id);
  EXPECT_EQ(api->payment_id, payment);

  Revert(c.id);
  DispatchAll();
  deleted = fake_->Calls(Call::kDeletePayment);
  EXPECT_THAT(Targets(deleted), ElementsAre("pay_payer_1", "pay_api_1"));
  EXPECT_EQ(Count("sync_events WHERE state <> 'synced'"), "0");
}

// BP-7: before a FINAL invoice that bill-pay has goes back, its payments
// must be imported; when bill-pay cannot be asked the move is refused with
// FAILED_PRECONDITION naming BP-7. An invoice bill-pay does not have needs no
// import, and bill-pay is not called.
TEST_F(SyncDispatchTest, MoveBackImportRefusesWhenBillPayCannotBeAsked) {
  const domain::Invoice sent = SentFinal(3000);
  fake_->Script(Call::kListPayments, Outcome::kRetryable, "503 unavailable");
  absl::Status refused = app::ImportPaymentsBeforeMoveBack(gateways_, company_, sent.id, clock_);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_EQ(domain::RuleOf(refused), "BP-7");
  EXPECT_THAT(refused.message(), HasSubstr("BP-7"));
  EXPECT_THAT(refused.message(), HasSubstr("503 unavailable"));
  EXPECT_EQ(Load(sent.id).state, InvoiceState::kFinal);

  const int64_t unsent = Draft(3000).id;
  Finalize(unsent);  // its row is not carried out: bill-pay has no record
  const size_t calls_before = fake_->Calls().size();
  absl::Status allowed = app::ImportPaymentsBeforeMoveBack(gateways_, company_, unsent, clock_);
  EXPECT_TRUE(allowed.ok()) << allowed;
  EXPECT_EQ(fake_->Calls().size(), calls_before);
}

}  // namespace
}  // namespace invoicehub::integration
