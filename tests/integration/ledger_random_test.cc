// The ledger under a few thousand random operations against a real
// PostgreSQL: create, finalize, reissue, revert to DRAFT, edit, void, record
// a payment, apply a prepayment, reverse a payment, in random order and with
// random (sometimes wrong) arguments. After every step the ledger check must
// find nothing; a refused step must change nothing; and every 100 steps the
// database must agree with a model the test keeps on its own, so that the
// test can fail even where the check and the code agree on a bug.
//
// Reproduce a failing run with INVOICEHUB_LEDGER_SEED=<seed>; stop it right
// after a given step with INVOICEHUB_LEDGER_STEPS=<step + 1>. The failure
// message prints the seed, the step and the operations leading to it.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/app/invoice_actions.h"
#include "server/app/invoice_lifecycle_actions.h"
#include "server/app/ledger_check.h"
#include "server/app/payment_actions.h"
#include "server/domain/invoice_lifecycle.h"
#include "server/domain/lifecycle_event.h"
#include "server/domain/update_mask.h"
#include "storage/invoice_repository.h"
#include "storage/lifecycle_event_store.h"
#include "storage/payment_repository.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using absl::StatusCode;
using domain::AllocationState;
using domain::InvoiceState;
using domain::LifecycleEvent;
using domain::LifecycleEventKind;

constexpr uint64_t kDefaultSeed = 20240601;
constexpr int kDefaultSteps = 3000;
constexpr int kCompareEvery = 100;
// Invoices not VOID; VOID ones stay in the company (and in every ledger
// check), so creating is throttled rather than the pool recycled freely.
constexpr size_t kMaxLiveInvoices = 40;
constexpr size_t kMinLiveInvoices = 12;

enum Op { kCreate, kFinalize, kReissue, kRevert, kEdit, kVoid, kRecord, kApply, kReverse, kOpCount };
constexpr std::array<const char*, kOpCount> kOpNames = {
    "create draft", "finalize", "reissue", "revert to draft", "edit (lines)",
    "void", "record payment", "apply prepayment", "reverse payment"};

// The cases that matter most, counted as they happen (and required below).
constexpr char kAllReverted[] = "BP-10 payments all reverted";
constexpr char kReleasedSeveral[] = "moves back releasing allocations of two or more payments";
constexpr char kEditCarryingPrepayment[] = "edits of a REISSUE carrying a prepayment";
constexpr char kEditBelowApplied[] = "edits of a REISSUE refused below what is applied (LC-3)";
constexpr char kAppliedToReissue[] = "prepayments applied to a REISSUE";
constexpr char kRefinalizedCovered[] = "refinalized with the outstanding covered by prepayments (BP-2)";
constexpr char kReversedSeveral[] = "reversals of a payment applied in two or more places";

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

// ------------------------------------------------------------------ model

struct ModelAllocation {
  int64_t invoice_id = 0;
  int64_t amount = 0;
  bool from_prepayment = false;
  AllocationState state = AllocationState::kApplied;
};

struct ModelInvoice {
  int64_t id = 0;
  size_t customer = 0;  // index into LedgerRun::customers_
  InvoiceState state = InvoiceState::kDraft;
  std::string number;
  int64_t total = 0;
  int64_t applied = 0;
  bool nothing_to_send = false;
  int64_t version = 0;
  // LC-3; a VOID invoice is owed by no one.
  int64_t Outstanding() const { return state == domain::InvoiceState::kVoid ? 0 : std::max<int64_t>(total - applied, 0); }
};

struct ModelPayment {
  int64_t id = 0;
  size_t customer = 0;
  int64_t amount = 0;
  int64_t unapplied = 0;
  bool reversed = false;
  int64_t version = 0;
  std::vector<ModelAllocation> allocations;  // in the order they were made

  // BP-10: every invoice the payment was made on has gone back.
  bool AllInvoicesBack() const {
    bool any = false;
    for (const ModelAllocation& allocation : allocations) {
      if (allocation.from_prepayment) continue;
      if (allocation.state != AllocationState::kReleased) return false;
      any = true;
    }
    return any;
  }
};

struct ModelCustomer {
  int64_t id = 0;
  std::string currency;
};

struct Lines {
  std::vector<domain::InvoiceLineInput> inputs;
  int64_t total = 0;  // computed here, not by the server
};

std::string EventText(const LifecycleEvent& event) {
  return absl::StrCat(domain::LifecycleEventKindName(event.kind), "(invoice ", event.invoice_id, ", payment ",
                      event.payment_id, ", ", event.amount_minor, ")");
}

bool EventLess(const LifecycleEvent& a, const LifecycleEvent& b) {
  return std::make_tuple(static_cast<int>(a.kind), a.invoice_id, a.payment_id, a.amount_minor) <
         std::make_tuple(static_cast<int>(b.kind), b.invoice_id, b.payment_id, b.amount_minor);
}

// Everything a refused operation must leave as it was: the rows (and the
// columns that matter) of every table the use cases write.
constexpr char kFingerprintSql[] =
    "SELECT concat_ws(' | ',"
    " (SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', invoice_id, state, number, subtotal_minor,"
    "   tax_total_minor, total_minor, applied_minor, outstanding_minor, nothing_to_send, pay_now_url, void_reason,"
    "   version, update_time), ';' ORDER BY invoice_id), '')) FROM invoices),"
    " (SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', invoice_id, line_no, quantity_e4,"
    "   unit_price_minor, tax_rate_e3), ';' ORDER BY invoice_id, line_no), '')) FROM invoice_lines),"
    " (SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', payment_id, amount_minor, unapplied_minor,"
    "   state, reversal_reason, version), ';' ORDER BY payment_id), '')) FROM payments),"
    " (SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', allocation_id, payment_id, invoice_id,"
    "   amount_minor, source, state, end_reason), ';' ORDER BY allocation_id), '')) FROM payment_allocations),"
    " (SELECT 'events ' || count(*) FROM lifecycle_events),"
    " (SELECT 'pdfs ' || count(*) FROM invoice_pdfs),"
    " (SELECT 'counters ' || coalesce(string_agg(company_id || '=' || last_number, ','), '')"
    "   FROM invoice_number_counters),"
    " (SELECT count(*) || ':' || md5(coalesce(string_agg(concat_ws(',', customer_id, version), ';'"
    "   ORDER BY customer_id), '')) FROM customers))";

// One random run. Each operation picks its arguments, predicts from the
// model whether it must succeed (and if not, which status codes the refusal
// may carry), runs, and checks the outcome.
class LedgerRun {
 public:
  LedgerRun(MigratedDatabase& db, uint64_t seed) : db_(db), seed_(seed), rng_(seed) {}

  void SetUp() {
    company_ = AddCompany(db_, "Random Ledger AG");  // prefix "INV-"
    const std::string empty = Fingerprint();
    customers_ = {{AddCustomer(db_, company_, "Alpha GmbH"), "CHF"},
                  {AddCustomer(db_, company_, "Beta AG"), "CHF"},
                  {AddCustomerIn(db_, company_, "Gamma SARL", "EUR"), "EUR"}};
    EXPECT_NE(Fingerprint(), empty) << "the fingerprint must see new rows";
  }

  // Runs `steps` steps; false when one failed (the failure is reported).
  bool Run(int steps) {
    for (step_ = 0; step_ < steps; ++step_) {
      const auto step_start = std::chrono::steady_clock::now();
      RunOneStep();
      const auto check_start = std::chrono::steady_clock::now();
      step_seconds_[last_op_] += std::chrono::duration<double>(check_start - step_start).count();
      if (!::testing::Test::HasFailure()) CheckLedgerClean();
      check_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - check_start).count();
      if (!::testing::Test::HasFailure() && (step_ + 1) % kCompareEvery == 0) CompareWithDatabase();
      if (::testing::Test::HasFailure()) {
        ReportStop();
        return false;
      }
    }
    CompareWithDatabase();
    if (::testing::Test::HasFailure()) ReportStop();
    return !::testing::Test::HasFailure();
  }

  void PrintCounts(std::ostream& out) const {
    out << "ledger random run: seed " << seed_ << ", " << step_ << " steps, " << invoices_.size() << " invoices ("
        << LiveInvoices() << " not VOID), " << payments_.size() << " payments, " << events_.size() << " events\n";
    for (int op = 0; op < kOpCount; ++op)
      out << "  " << kOpNames[op] << ": " << succeeded_[op] << " succeeded, " << refused_[op] << " refused ("
          << step_seconds_[op] << " s)\n";
    for (const auto& [what, count] : notable_) out << "  " << what << ": " << count << "\n";
    out << "  ledger checks took " << check_seconds_ << " s, unchanged-state fingerprints " << fingerprint_seconds_
        << " s\n";
  }

  int Succeeded(Op op) const { return succeeded_[op]; }
  int Refused(Op op) const { return refused_[op]; }
  int Notable(const std::string& what) const {
    auto found = notable_.find(what);
    return found == notable_.end() ? 0 : found->second;
  }

 private:
  // ------------------------------------------------------------ random
  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // A random index of invoices_ satisfying `pred`, or of any invoice with
  // probability `any` (and when none satisfies it); nullopt: no invoice.
  template <typename Pred>
  std::optional<size_t> PickInvoice(Pred pred, double any = 0.0) {
    if (invoices_.empty()) return std::nullopt;
    std::vector<size_t> fitting;
    if (!Chance(any))
      for (size_t i = 0; i < invoices_.size(); ++i)
        if (pred(invoices_[i])) fitting.push_back(i);
    if (fitting.empty()) return static_cast<size_t>(Uniform(0, static_cast<int64_t>(invoices_.size()) - 1));
    return fitting[static_cast<size_t>(Uniform(0, static_cast<int64_t>(fitting.size()) - 1))];
  }

  template <typename Pred>
  std::optional<size_t> PickPayment(Pred pred, double any = 0.0) {
    if (payments_.empty()) return std::nullopt;
    std::vector<size_t> fitting;
    if (!Chance(any))
      for (size_t i = 0; i < payments_.size(); ++i)
        if (pred(payments_[i])) fitting.push_back(i);
    if (fitting.empty()) return static_cast<size_t>(Uniform(0, static_cast<int64_t>(payments_.size()) - 1));
    return fitting[static_cast<size_t>(Uniform(0, static_cast<int64_t>(fitting.size()) - 1))];
  }

  Lines RandomLines(const std::string& currency) {
    Lines lines;
    const int count = static_cast<int>(Uniform(1, 3));
    for (int i = 0; i < count; ++i) {
      const int64_t quantity = Uniform(1, 4);
      const int64_t price = Chance(0.04) ? 0 : Uniform(1, 2000) * 10;
      const bool taxed = Chance(0.5);
      const int64_t net = quantity * price;
      lines.total += net + (taxed ? net / 10 : 0);  // 10% of a multiple of 10: exact
      lines.inputs.push_back(domain::InvoiceLineInput{absl::StrCat("Item ", i + 1), std::to_string(quantity),
                                                      domain::Money{currency, price}, taxed ? "10" : ""});
    }
    return lines;
  }

  Lines LinesTotalling(int64_t total, const std::string& currency) {
    Lines lines;
    lines.total = total;
    lines.inputs.push_back(domain::InvoiceLineInput{"Adjusted", "1", domain::Money{currency, total}, ""});
    return lines;
  }

  // A version the client may send: usually the current one, sometimes stale.
  int64_t MaybeStale(int64_t current, std::set<StatusCode>& faults) {
    if (!Chance(0.08)) return current;
    faults.insert(StatusCode::kAborted);
    return current > 1 ? current - 1 : current + 1;
  }

  absl::Time Now() { return At(2024, 3, 1) + absl::Seconds(++clock_); }

  size_t LiveInvoices() const {
    return static_cast<size_t>(std::count_if(invoices_.begin(), invoices_.end(),
                                             [](const ModelInvoice& i) { return i.state != InvoiceState::kVoid; }));
  }

  ModelInvoice* InvoiceById(int64_t id) {
    for (ModelInvoice& invoice : invoices_)
      if (invoice.id == id) return &invoice;
    return nullptr;
  }

  ModelPayment* PaymentById(int64_t id) {
    for (ModelPayment& payment : payments_)
      if (payment.id == id) return &payment;
    return nullptr;
  }

  std::string Describe(const ModelInvoice& invoice) const {
    return absl::StrCat("invoice ", invoice.id, " [", domain::InvoiceStateName(invoice.state),
                        invoice.number.empty() ? "" : " " + invoice.number, ", customer ", invoice.customer,
                        ", total ", invoice.total, ", applied ", invoice.applied, ", v", invoice.version, "]");
  }

  std::string Describe(const ModelPayment& payment) const {
    return absl::StrCat("payment ", payment.id, " [", payment.reversed ? "REVERSED" : "received", ", customer ",
                        payment.customer, ", amount ", payment.amount, ", unapplied ", payment.unapplied, ", v",
                        payment.version, "]");
  }

  // ---------------------------------------------------------- plumbing
  std::string Fingerprint() {
    const auto start = std::chrono::steady_clock::now();
    std::string fingerprint;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      tx.session() << kFingerprintSql, soci::into(fingerprint);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    fingerprint_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return fingerprint;
  }

  // Before an operation the model expects to be refused: the database as
  // the previous step left it (kept while steps are refused). An operation
  // refused against the model's expectation fails the run anyway.
  void RememberStateIfRefusalExpected(const std::set<StatusCode>& faults) {
    if (faults.empty() || fingerprint_valid_) return;
    fingerprint_ = Fingerprint();
    fingerprint_valid_ = true;
  }

  // Checks the outcome against the prediction. True when the operation
  // succeeded as the model said it must (the caller then updates the model).
  template <typename T>
  bool Settle(Op op, const std::string& what, const std::set<StatusCode>& faults, const absl::StatusOr<T>& result) {
    const bool expect_ok = faults.empty();
    last_op_ = op;
    log_.push_back(absl::StrCat("step ", step_, ": ", kOpNames[op], " ", what, " -> ",
                                result.ok() ? std::string("OK") : result.status().ToString(),
                                expect_ok ? "" : " (refusal expected)"));
    if (result.ok()) {
      ++succeeded_[op];
      fingerprint_valid_ = false;
      if (!expect_ok) ADD_FAILURE() << "step " << step_ << ": " << kOpNames[op] << " " << what
                                    << " succeeded, but the model says it must be refused";
      return expect_ok;
    }
    ++refused_[op];
    const StatusCode code = result.status().code();
    if (expect_ok) {
      ADD_FAILURE() << "step " << step_ << ": " << kOpNames[op] << " " << what
                    << " was refused, but the model says it must succeed: " << result.status();
    } else if (!faults.contains(code)) {
      std::vector<std::string> names;
      for (StatusCode fault : faults) names.push_back(absl::StatusCodeToString(fault));
      ADD_FAILURE() << "step " << step_ << ": " << kOpNames[op] << " " << what << " was refused with "
                    << result.status() << "; expected one of " << absl::StrJoin(names, ", ");
    }
    if (expect_ok) return false;
    const std::string after = Fingerprint();
    if (after != fingerprint_)
      ADD_FAILURE() << "step " << step_ << ": the refused " << kOpNames[op] << " " << what
                    << " changed the database\n  before: " << fingerprint_ << "\n  after:  " << after;
    return false;
  }

  void CheckLedgerClean() {
    app::LedgerReport report;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      report = app::CheckCompanyLedger(tx, company_);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    if (report.differences.empty()) return;
    std::string text;
    for (const domain::LedgerDifference& d : report.differences)
      absl::StrAppend(&text, "\n  customer ", d.customer_id, " ", d.currency_code, " ", d.subject, ": ", d.check,
                      ": expected ", d.expected_minor, ", actual ", d.actual_minor);
    ADD_FAILURE() << "step " << step_ << ": the ledger check found " << report.differences.size()
                  << " difference(s) after " << log_.back() << text;
  }

  void ReportStop() {
    std::string recent;
    const size_t from = log_.size() > 40 ? log_.size() - 40 : 0;
    for (size_t i = from; i < log_.size(); ++i) absl::StrAppend(&recent, "\n  ", log_[i]);
    ADD_FAILURE() << "random ledger run stopped: seed " << seed_ << ", step " << step_
                  << " (rerun with INVOICEHUB_LEDGER_SEED=" << seed_ << " INVOICEHUB_LEDGER_STEPS=" << step_ + 1
                  << "); the last operations:" << recent;
  }

  // --------------------------------------------------------- operations
  void RunOneStep() {
    const size_t live = LiveInvoices();
    std::array<int, kOpCount> weights = {6, 17, 7, 7, 8, 4, 15, 14, 6};
    if (live >= kMaxLiveInvoices) {
      weights[kCreate] = 0;
      weights[kVoid] = 12;
    } else if (live < kMinLiveInvoices) {
      weights[kCreate] = 40;
    }
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    switch (static_cast<Op>(pick(rng_))) {
      case kCreate: return CreateDraft();
      case kFinalize: return Finalize();
      case kReissue: return MoveBack(InvoiceState::kReissue);
      case kRevert: return MoveBack(InvoiceState::kDraft);
      case kEdit: return Edit();
      case kVoid: return Void();
      case kRecord: return RecordPayment();
      case kApply: return ApplyPrepayment();
      case kReverse: return ReversePayment();
      case kOpCount: break;
    }
  }

  void CreateDraft() {
    const size_t customer = static_cast<size_t>(Uniform(0, static_cast<int64_t>(customers_.size()) - 1));
    Lines lines = RandomLines(customers_[customer].currency);
    app::InvoiceDraftInput input;
    input.customer_id = customers_[customer].id;
    input.issue_date = absl::CivilDay(2024, 3, 1);
    input.lines = lines.inputs;
    const absl::Time now = Now();
    absl::StatusOr<domain::Invoice> created =
        db_.Run([&](storage::Transaction& tx) { return app::CreateDraftInvoice(tx, company_, input, now); });
    if (!Settle(kCreate, absl::StrCat("for customer ", customer, " totalling ", lines.total), {}, created)) return;
    EXPECT_EQ(created->total_minor, lines.total) << "step " << step_;
    ModelInvoice invoice;
    invoice.id = created->id;
    invoice.customer = customer;
    invoice.total = lines.total;
    invoice.version = created->version;
    invoices_.push_back(invoice);
  }

  void Finalize() {
    std::optional<size_t> index = PickInvoice(
        [](const ModelInvoice& i) { return i.state == InvoiceState::kDraft || i.state == InvoiceState::kReissue; },
        0.15);
    if (!index) return CreateDraft();
    ModelInvoice& invoice = invoices_[*index];
    std::set<StatusCode> faults;
    const int64_t version = MaybeStale(invoice.version, faults);
    if (invoice.state != InvoiceState::kDraft && invoice.state != InvoiceState::kReissue)
      faults.insert(StatusCode::kFailedPrecondition);
    const std::string what = absl::StrCat(Describe(invoice), " with v", version);
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::InvoiceMoveResult> moved = db_.Run(
        [&](storage::Transaction& tx) { return app::FinalizeInvoice(tx, company_, invoice.id, version, now); });
    if (!Settle(kFinalize, what, faults, moved)) return;
    const bool refinalized = invoice.state == InvoiceState::kReissue;
    if (invoice.number.empty()) invoice.number = domain::FormatInvoiceNumber("INV-", ++last_number_);  // LC-2
    EXPECT_EQ(moved->invoice.after.number, invoice.number) << "step " << step_ << ": " << what;
    invoice.state = InvoiceState::kFinal;
    invoice.nothing_to_send = invoice.total == 0 || invoice.Outstanding() == 0;  // BP-2
    if (refinalized && invoice.total > 0 && invoice.Outstanding() == 0) ++notable_[kRefinalizedCovered];
    invoice.version = moved->invoice.after.version;
    ++pdfs_;
    events_.push_back({refinalized ? LifecycleEventKind::kInvoiceRefinalized : LifecycleEventKind::kInvoiceFinalized,
                       invoice.id, 0, invoice.Outstanding()});
  }

  // FINAL → REISSUE or FINAL/REISSUE → DRAFT: BP-8 releases its payments.
  void MoveBack(InvoiceState to) {
    const Op op = to == InvoiceState::kDraft ? kRevert : kReissue;
    std::optional<size_t> index = PickInvoice(
        [&](const ModelInvoice& i) {
          return i.state == InvoiceState::kFinal || (to == InvoiceState::kDraft && i.state == InvoiceState::kReissue);
        },
        0.15);
    if (!index) return CreateDraft();
    ModelInvoice& invoice = invoices_[*index];
    std::set<StatusCode> faults;
    const int64_t version = MaybeStale(invoice.version, faults);
    if (!domain::IsAllowedMove(invoice.state, to)) faults.insert(StatusCode::kFailedPrecondition);
    const std::string what = absl::StrCat(Describe(invoice), " with v", version);
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::InvoiceMoveResult> moved = db_.Run([&](storage::Transaction& tx) {
      return to == InvoiceState::kDraft ? app::RevertInvoiceToDraft(tx, company_, invoice.id, version, now)
                                        : app::ReissueInvoice(tx, company_, invoice.id, version, now);
    });
    if (!Settle(op, what, faults, moved)) return;
    events_.push_back({to == InvoiceState::kDraft ? LifecycleEventKind::kInvoiceRevertedToDraft
                                                  : LifecycleEventKind::kInvoiceReissued,
                       invoice.id, 0, 0});
    std::set<int64_t> released_from;
    for (ModelPayment& payment : payments_) {
      const bool back_before = payment.AllInvoicesBack();
      bool touched = false;
      for (ModelAllocation& allocation : payment.allocations) {
        if (allocation.invoice_id != invoice.id || allocation.state != AllocationState::kApplied) continue;
        allocation.state = AllocationState::kReleased;
        payment.unapplied += allocation.amount;
        invoice.applied -= allocation.amount;
        touched = true;
        events_.push_back({LifecycleEventKind::kAllocationReleased, invoice.id, payment.id, allocation.amount});
      }
      if (!touched) continue;
      released_from.insert(payment.id);
      if (!back_before && payment.AllInvoicesBack()) {  // BP-10
        events_.push_back({LifecycleEventKind::kPaymentAllReverted, invoice.id, payment.id, payment.amount});
        ++notable_[kAllReverted];
      }
    }
    EXPECT_EQ(invoice.applied, 0) << "step " << step_ << ": the model's allocations disagree with its invoice";
    invoice.applied = 0;
    invoice.state = to;
    invoice.nothing_to_send = false;
    invoice.version = moved->invoice.after.version;
    std::set<int64_t> reported;
    for (const app::Change<domain::Payment>& change : moved->payments) {
      reported.insert(change.after.id);
      if (ModelPayment* payment = PaymentById(change.after.id)) payment->version = change.after.version;
    }
    EXPECT_EQ(reported, released_from) << "step " << step_ << ": the payments the move says it released";
    if (released_from.size() >= 2) ++notable_[kReleasedSeveral];
  }

  void Edit() {
    std::optional<size_t> index = PickInvoice(
        [](const ModelInvoice& i) {
          return i.state == InvoiceState::kReissue || i.state == InvoiceState::kDraft;
        },
        0.12);
    if (!index) return CreateDraft();
    ModelInvoice& invoice = invoices_[*index];
    if (invoice.state == InvoiceState::kDraft && Chance(0.5)) {  // mostly REISSUE: the interesting case
      std::optional<size_t> reissued =
          PickInvoice([](const ModelInvoice& i) { return i.state == InvoiceState::kReissue; });
      if (reissued && invoices_[*reissued].state == InvoiceState::kReissue) return EditInvoice(invoices_[*reissued]);
    }
    EditInvoice(invoice);
  }

  void EditInvoice(ModelInvoice& invoice) {
    const std::string& currency = customers_[invoice.customer].currency;
    // With prepayments applied, aim near what is applied: LC-3 refuses a
    // total below it.
    Lines lines = invoice.applied > 0 && Chance(0.5)
                      ? LinesTotalling(std::max<int64_t>(invoice.applied + Uniform(-300, 300), 0), currency)
                      : RandomLines(currency);
    std::set<StatusCode> faults;
    const int64_t version = MaybeStale(invoice.version, faults);
    if (invoice.state != InvoiceState::kDraft && invoice.state != InvoiceState::kReissue)
      faults.insert(StatusCode::kFailedPrecondition);  // LC-1
    if (lines.total < invoice.applied) faults.insert(StatusCode::kFailedPrecondition);  // LC-3
    if (invoice.state == InvoiceState::kReissue && invoice.applied > 0 && faults.empty())
      ++notable_[kEditCarryingPrepayment];
    if (lines.total < invoice.applied && faults.size() == 1 && invoice.state == InvoiceState::kReissue &&
        !faults.contains(StatusCode::kAborted))
      ++notable_[kEditBelowApplied];
    app::InvoiceDraftInput input;
    input.lines = lines.inputs;
    domain::FieldErrors errors;
    const domain::UpdateMask mask = domain::UpdateMask::Parse(errors, {"lines"}, app::kEditableInvoiceFields);
    const std::string what = absl::StrCat(Describe(invoice), " with v", version, " to total ", lines.total);
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::Change<domain::Invoice>> edited = db_.Run([&](storage::Transaction& tx) {
      return app::UpdateEditableInvoice(tx, company_, invoice.id, version, input, mask, now);
    });
    if (!Settle(kEdit, what, faults, edited)) return;
    invoice.total = lines.total;
    invoice.version = edited->after.version;
    EXPECT_EQ(edited->after.total_minor, lines.total) << "step " << step_;
  }

  void Void() {
    std::optional<size_t> index = PickInvoice(
        [](const ModelInvoice& i) {
          return i.state == InvoiceState::kDraft || (i.state == InvoiceState::kFinal && i.applied == 0);
        },
        0.2);
    if (!index) return CreateDraft();
    ModelInvoice& invoice = invoices_[*index];
    std::set<StatusCode> faults;
    const int64_t version = MaybeStale(invoice.version, faults);
    if (!domain::IsAllowedMove(invoice.state, InvoiceState::kVoid) ||
        (invoice.state == InvoiceState::kFinal && invoice.applied != 0))
      faults.insert(StatusCode::kFailedPrecondition);
    const std::string what = absl::StrCat(Describe(invoice), " with v", version);
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::InvoiceMoveResult> moved = db_.Run([&](storage::Transaction& tx) {
      return app::VoidInvoice(tx, company_, invoice.id, version, "random run", now);
    });
    if (!Settle(kVoid, what, faults, moved)) return;
    invoice.state = InvoiceState::kVoid;
    invoice.version = moved->invoice.after.version;
    events_.push_back({LifecycleEventKind::kInvoiceVoided, invoice.id, 0, 0});
  }

  void RecordPayment() {
    const size_t customer = static_cast<size_t>(Uniform(0, static_cast<int64_t>(customers_.size()) - 1));
    std::set<StatusCode> faults;
    std::string currency = customers_[customer].currency;
    if (Chance(0.05)) {
      currency = currency == "CHF" ? "EUR" : "CHF";
      faults.insert(StatusCode::kInvalidArgument);
    }
    app::PaymentInput input;
    input.customer_id = customers_[customer].id;
    input.method = domain::PaymentMethod::kWire;
    input.received_date = absl::CivilDay(2024, 3, 2);
    std::vector<std::pair<size_t, int64_t>> targets;  // invoice index, amount
    std::set<int64_t> seen;
    int64_t allocated = 0;
    const int count = static_cast<int>(Uniform(0, 3));
    for (int i = 0; i < count; ++i) {
      std::optional<size_t> index = PickInvoice(
          [&](const ModelInvoice& inv) {
            return inv.customer == customer && inv.state == InvoiceState::kFinal && inv.Outstanding() > 0 &&
                   !seen.contains(inv.id);
          },
          0.2);
      if (!index) break;
      if (Chance(0.04) && !targets.empty()) index = targets.front().first;  // the same invoice twice
      const ModelInvoice& invoice = invoices_[*index];
      const int64_t outstanding = invoice.Outstanding();
      int64_t amount;
      const double dice = std::uniform_real_distribution<double>(0, 1)(rng_);
      if (dice < 0.45 && outstanding > 0) {
        amount = outstanding;
      } else if (dice < 0.9 && outstanding > 0) {
        amount = Uniform(1, outstanding);
      } else {
        amount = outstanding + Uniform(1, 500);  // over-allocating
      }
      if (!seen.insert(invoice.id).second) faults.insert(StatusCode::kInvalidArgument);
      if (invoice.customer != customer) {
        faults.insert(StatusCode::kInvalidArgument);
      } else {
        if (amount > outstanding) faults.insert(StatusCode::kInvalidArgument);
        if (invoice.state != InvoiceState::kFinal) faults.insert(StatusCode::kFailedPrecondition);  // LC-3
      }
      targets.emplace_back(*index, amount);
      allocated += amount;
      input.allocations.push_back({invoice.id, domain::Money{Chance(0.5) ? "" : currency, amount}});
    }
    int64_t amount = allocated;
    const double dice = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (dice < 0.5 || allocated == 0) {
      amount += Uniform(allocated == 0 ? 1 : 0, 1) * Uniform(1, 30000);
    } else if (dice < 0.6) {
      amount -= Uniform(1, allocated);  // allocates more than the payment
    }
    if (amount < 1) amount = 1;
    if (allocated > amount) faults.insert(StatusCode::kInvalidArgument);
    input.amount = domain::Money{currency, amount};
    std::string what = absl::StrCat("customer ", customer, " ", amount, " ", currency, " allocating [");
    for (const auto& [index, part] : targets) absl::StrAppend(&what, part, " to ", Describe(invoices_[index]), "; ");
    absl::StrAppend(&what, "]");
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::PaymentMoveResult> recorded =
        db_.Run([&](storage::Transaction& tx) { return app::RecordPayment(tx, company_, input, now); });
    if (!Settle(kRecord, what, faults, recorded)) return;
    ModelPayment payment;
    payment.id = recorded->payment.id;
    payment.customer = customer;
    payment.amount = amount;
    payment.unapplied = amount - allocated;
    payment.version = recorded->payment.version;
    for (const auto& [index, part] : targets) {
      invoices_[index].applied += part;
      payment.allocations.push_back({invoices_[index].id, part, false, AllocationState::kApplied});
    }
    for (const app::Change<domain::Invoice>& change : recorded->invoices)
      if (ModelInvoice* invoice = InvoiceById(change.after.id)) invoice->version = change.after.version;
    payments_.push_back(payment);
    events_.push_back({LifecycleEventKind::kPaymentRecorded, 0, payment.id, amount});
  }

  void ApplyPrepayment() {
    std::optional<size_t> payment_index =
        PickPayment([](const ModelPayment& p) { return !p.reversed && p.unapplied > 0; }, 0.15);
    if (!payment_index) return RecordPayment();
    ModelPayment& payment = payments_[*payment_index];
    std::optional<size_t> invoice_index = PickInvoice(
        [&](const ModelInvoice& i) {
          return i.customer == payment.customer &&
                 (i.state == InvoiceState::kFinal || i.state == InvoiceState::kReissue) && i.Outstanding() > 0;
        },
        0.2);
    if (!invoice_index) return RecordPayment();
    ModelInvoice& invoice = invoices_[*invoice_index];
    const int64_t most = std::min(payment.unapplied, invoice.Outstanding());
    std::optional<domain::Money> amount;
    const double dice = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (dice < 0.45 && most > 0) {
      amount = domain::Money{Chance(0.5) ? "" : customers_[payment.customer].currency, Uniform(1, most)};
    } else if (dice < 0.6) {
      amount = domain::Money{"", most + Uniform(1, 500)};  // more than the prepayment or the outstanding
    }
    std::set<StatusCode> faults;
    if (invoice.customer != payment.customer) {
      faults.insert(StatusCode::kInvalidArgument);
    } else {
      if (payment.reversed) faults.insert(StatusCode::kFailedPrecondition);
      if (invoice.state != InvoiceState::kFinal && invoice.state != InvoiceState::kReissue)
        faults.insert(StatusCode::kFailedPrecondition);
      if (amount && (amount->minor_units > payment.unapplied || amount->minor_units > invoice.Outstanding()))
        faults.insert(StatusCode::kInvalidArgument);
      if (!amount && most <= 0) faults.insert(StatusCode::kFailedPrecondition);  // nothing to apply
    }
    const int64_t applying = amount ? amount->minor_units : most;
    const std::string what = absl::StrCat(amount ? std::to_string(amount->minor_units) : std::string("(unset)"),
                                          " of ", Describe(payment), " to ", Describe(invoice));
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::PaymentMoveResult> applied = db_.Run([&](storage::Transaction& tx) {
      return app::ApplyPrepayment(tx, company_, payment.id, invoice.id, amount, now);
    });
    if (!Settle(kApply, what, faults, applied)) return;
    if (invoice.state == InvoiceState::kReissue) ++notable_[kAppliedToReissue];
    payment.unapplied -= applying;
    payment.allocations.push_back({invoice.id, applying, true, AllocationState::kApplied});
    payment.version = applied->payment.version;
    invoice.applied += applying;
    for (const app::Change<domain::Invoice>& change : applied->invoices)
      if (ModelInvoice* changed = InvoiceById(change.after.id)) changed->version = change.after.version;
    events_.push_back({LifecycleEventKind::kPrepaymentApplied, invoice.id, payment.id, applying});
  }

  void ReversePayment() {
    std::optional<size_t> index = PickPayment([](const ModelPayment& p) { return !p.reversed; }, 0.15);
    if (!index) return RecordPayment();
    ModelPayment& payment = payments_[*index];
    std::set<StatusCode> faults;
    const int64_t version = MaybeStale(payment.version, faults);
    if (payment.reversed) faults.insert(StatusCode::kFailedPrecondition);  // BP-12
    const std::string what = absl::StrCat(Describe(payment), " with v", version);
    RememberStateIfRefusalExpected(faults);
    const absl::Time now = Now();
    absl::StatusOr<app::PaymentMoveResult> reversed = db_.Run([&](storage::Transaction& tx) {
      return app::ReversePayment(tx, company_, payment.id, version, "bounced", now);
    });
    if (!Settle(kReverse, what, faults, reversed)) return;
    if (std::count_if(payment.allocations.begin(), payment.allocations.end(), [](const ModelAllocation& a) {
          return a.state == AllocationState::kApplied;
        }) >= 2)
      ++notable_[kReversedSeveral];
    for (ModelAllocation& allocation : payment.allocations) {
      if (allocation.state != AllocationState::kApplied) continue;
      allocation.state = AllocationState::kReversed;
      if (ModelInvoice* invoice = InvoiceById(allocation.invoice_id)) invoice->applied -= allocation.amount;
    }
    payment.unapplied = 0;
    payment.reversed = true;
    payment.version = reversed->payment.version;
    for (const app::Change<domain::Invoice>& change : reversed->invoices)
      if (ModelInvoice* invoice = InvoiceById(change.after.id))
        invoice->version = std::max(invoice->version, change.after.version);
    events_.push_back({LifecycleEventKind::kPaymentReversed, 0, payment.id, payment.amount});
  }

  // ------------------------------------------------- model vs database
  void CompareWithDatabase() {
    std::vector<domain::Invoice> db_invoices;
    std::vector<domain::Payment> db_payments;
    std::vector<LifecycleEvent> db_events;
    long long pdfs = 0, last_number = 0;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      tx.ReadOneSnapshot();
      db_invoices = storage::ListInvoicesForLedger(tx, company_);
      db_payments = storage::ListPaymentsForLedger(tx, company_);
      db_events = storage::ListLifecycleEvents(tx, company_);
      tx.session() << "SELECT count(*) FROM invoice_pdfs", soci::into(pdfs);
      long long company = company_;
      tx.session() << "SELECT coalesce((SELECT last_number FROM invoice_number_counters WHERE company_id = :c), 0)",
          soci::use(company), soci::into(last_number);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;

    std::vector<std::string> wrong;
    auto expect = [&](const std::string& subject, const std::string& what, const auto& model, const auto& stored) {
      if (model != stored) wrong.push_back(absl::StrCat(subject, " ", what, ": model ", model, ", database ", stored));
    };

    std::map<int64_t, const domain::Invoice*> invoices_by_id;
    for (const domain::Invoice& invoice : db_invoices) invoices_by_id[invoice.id] = &invoice;
    expect("company", "invoice count", invoices_.size(), db_invoices.size());
    for (const ModelInvoice& model : invoices_) {
      const std::string subject = absl::StrCat("invoice ", model.id);
      auto found = invoices_by_id.find(model.id);
      if (found == invoices_by_id.end()) {
        wrong.push_back(subject + " is missing");
        continue;
      }
      const domain::Invoice& stored = *found->second;
      expect(subject, "state", domain::InvoiceStateName(model.state), domain::InvoiceStateName(stored.state));
      expect(subject, "number", model.number, stored.number);
      expect(subject, "total", model.total, stored.total_minor);
      expect(subject, "applied", model.applied, stored.applied_minor);
      expect(subject, "outstanding (LC-3)", model.Outstanding(), stored.outstanding_minor);
      expect(subject, "nothing_to_send (BP-2)", static_cast<int>(model.nothing_to_send),
             static_cast<int>(stored.nothing_to_send));
      expect(subject, "version", model.version, stored.version);
    }

    std::map<int64_t, const domain::Payment*> payments_by_id;
    for (const domain::Payment& payment : db_payments) payments_by_id[payment.id] = &payment;
    expect("company", "payment count", payments_.size(), db_payments.size());
    for (const ModelPayment& model : payments_) {
      const std::string subject = absl::StrCat("payment ", model.id);
      auto found = payments_by_id.find(model.id);
      if (found == payments_by_id.end()) {
        wrong.push_back(subject + " is missing");
        continue;
      }
      const domain::Payment& stored = *found->second;
      expect(subject, "customer", customers_[model.customer].id, stored.customer_id);
      expect(subject, "currency", customers_[model.customer].currency, stored.currency_code);
      expect(subject, "amount", model.amount, stored.amount_minor);
      expect(subject, "unapplied (open prepayment)", model.unapplied, stored.unapplied_minor);
      expect(subject, "reversed", static_cast<int>(model.reversed),
             static_cast<int>(stored.state == domain::PaymentState::kReversed));
      expect(subject, "version", model.version, stored.version);
      expect(subject, "allocation count", model.allocations.size(), stored.allocations.size());
      for (size_t i = 0; i < std::min(model.allocations.size(), stored.allocations.size()); ++i) {
        const ModelAllocation& a = model.allocations[i];
        const domain::Allocation& b = stored.allocations[i];
        const std::string what = absl::StrCat("allocation #", i);
        expect(subject, what + " invoice", a.invoice_id, b.invoice_id);
        expect(subject, what + " amount", a.amount, b.amount_minor);
        expect(subject, what + " from prepayment", static_cast<int>(a.from_prepayment),
               static_cast<int>(b.source == domain::AllocationSource::kPrepayment));
        expect(subject, what + " state", static_cast<int>(a.state), static_cast<int>(b.state));
      }
    }

    // The model's own balance, per customer: received - reversed = applied + open.
    for (size_t c = 0; c < customers_.size(); ++c) {
      int64_t received = 0, applied = 0, open = 0;
      for (const ModelPayment& payment : payments_)
        if (payment.customer == c && !payment.reversed) received += payment.amount, open += payment.unapplied;
      for (const ModelInvoice& invoice : invoices_)
        if (invoice.customer == c) applied += invoice.applied;
      expect(absl::StrCat("model customer ", c), "received - reversed", received, applied + open);
    }

    expect("company", "PDF revisions (one per finalize, LC-2)", pdfs_, static_cast<int64_t>(pdfs));
    expect("company", "last invoice number (LC-2)", last_number_, static_cast<int64_t>(last_number));

    std::vector<LifecycleEvent> model_events = events_;
    std::sort(model_events.begin(), model_events.end(), EventLess);
    std::sort(db_events.begin(), db_events.end(), EventLess);
    if (model_events != db_events) {
      std::vector<LifecycleEvent> missing, extra;
      std::set_difference(model_events.begin(), model_events.end(), db_events.begin(), db_events.end(),
                          std::back_inserter(missing), EventLess);
      std::set_difference(db_events.begin(), db_events.end(), model_events.begin(), model_events.end(),
                          std::back_inserter(extra), EventLess);
      for (const LifecycleEvent& e : missing) wrong.push_back("event missing from the database: " + EventText(e));
      for (const LifecycleEvent& e : extra) wrong.push_back("event the model did not expect: " + EventText(e));
    }

    if (wrong.empty()) return;
    std::string text;
    for (size_t i = 0; i < wrong.size() && i < 30; ++i) absl::StrAppend(&text, "\n  ", wrong[i]);
    ADD_FAILURE() << "step " << step_ << ": the database disagrees with the model in " << wrong.size()
                  << " place(s):" << text;
  }

  MigratedDatabase& db_;
  const uint64_t seed_;
  std::mt19937_64 rng_;
  int64_t company_ = 0;
  std::vector<ModelCustomer> customers_;
  std::vector<ModelInvoice> invoices_;
  std::vector<ModelPayment> payments_;
  std::vector<LifecycleEvent> events_;
  int64_t last_number_ = 0;
  int64_t pdfs_ = 0;
  int64_t clock_ = 0;
  int step_ = 0;
  std::string fingerprint_;
  bool fingerprint_valid_ = false;
  std::vector<std::string> log_;
  std::array<int, kOpCount> succeeded_{};
  std::array<int, kOpCount> refused_{};
  std::map<std::string, int> notable_;  // the cases that matter most, counted when they happen
  Op last_op_ = kCreate;  // the kind the last step ran as
  std::array<double, kOpCount> step_seconds_{};
  double check_seconds_ = 0;
  double fingerprint_seconds_ = 0;
};

// LC-3, BP-8, BP-10, LC-2: a few thousand random finalize / reissue / revert
// / edit / void / pay / apply / reverse steps keep the ledger check clean
// after every step, refused steps change nothing, and the database agrees
// with the test's own model of every invoice, payment and event.
TEST(LedgerRandomTest, RandomOperationsKeepTheLedgerClean) {
  const uint64_t seed = EnvNumber("INVOICEHUB_LEDGER_SEED", kDefaultSeed);
  const int steps = static_cast<int>(EnvNumber("INVOICEHUB_LEDGER_STEPS", kDefaultSteps));
  MigratedDatabase db;
  LedgerRun run(db, seed);
  run.SetUp();
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto start = std::chrono::steady_clock::now();
  const bool clean = run.Run(steps);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count() / 1000.0;
  run.PrintCounts(std::cout);
  std::cout << "  took " << seconds << " s\n";
  if (!clean || steps < kDefaultSteps) return;  // a shortened rerun only reproduces
  for (int op = 0; op < kOpCount; ++op)
    EXPECT_GE(run.Succeeded(static_cast<Op>(op)), 5) << kOpNames[op] << " hardly ever succeeded";
  for (Op op : {kFinalize, kVoid, kEdit, kRecord, kApply, kReverse})
    EXPECT_GE(run.Refused(op), 3) << kOpNames[op] << " was hardly ever refused";
  if (seed != kDefaultSeed) return;  // another seed may take other paths
  for (const char* notable : {kAllReverted, kReleasedSeveral, kEditCarryingPrepayment, kEditBelowApplied,
                              kAppliedToReissue, kRefinalizedCovered, kReversedSeveral})
    EXPECT_GE(run.Notable(notable), 1) << "the run never reached: " << notable;
}

}  // namespace
}  // namespace invoicehub::integration
