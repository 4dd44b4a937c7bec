// The invoice lifecycle use cases on a real PostgreSQL: numbering at
// finalize (LC-2), the PDF stored with it, the events each move stores in
// its own transaction, payments released as prepayments when an invoice goes
// back (BP-8, BP-10), and what concurrent calls on one invoice or one
// company's numbers leave behind.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <algorithm>
#include <future>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/app/invoice_actions.h"
#include "server/app/invoice_lifecycle_actions.h"
#include "server/app/ledger_check.h"
#include "server/app/payment_actions.h"
#include "server/domain/field_errors.h"
#include "server/domain/lifecycle_event.h"
#include "server/domain/update_mask.h"
#include "storage/invoice_pdf_store.h"
#include "storage/invoice_repository.h"
#include "storage/lifecycle_event_store.h"
#include "storage/payment_repository.h"
#include "tests/integration/integration_support.h"
#include "tests/support/concurrently.h"
#include "tests/support/sha256_hex.h"

namespace invoicehub::domain {
// Lets gtest print events and states in failure messages (internal
// linkage: no clash with other test files).
[[maybe_unused]] static void PrintTo(const LifecycleEvent& event, std::ostream* os) {
  *os << "{" << LifecycleEventKindName(event.kind) << ", invoice " << event.invoice_id << ", payment "
      << event.payment_id << ", " << event.amount_minor << "}";
}
[[maybe_unused]] static void PrintTo(InvoiceState state, std::ostream* os) { *os << InvoiceStateName(state); }
[[maybe_unused]] static void PrintTo(AllocationState state, std::ostream* os) {
  *os << (state == AllocationState::kApplied ? "applied" : state == AllocationState::kReleased ? "released" : "reversed");
}
}  // namespace invoicehub::domain

namespace invoicehub::integration {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using invoicehub::testing::Sha256Hex;  // computed here (OpenSSL), not by the server
using domain::InvoiceState;
using domain::LifecycleEvent;
using domain::LifecycleEventKind;

// Runs `body(i)` on `n` threads that start together; the statuses by thread.
template <typename Body>
std::vector<absl::Status> RunConcurrently(int n, Body body) {
  std::vector<absl::Status> statuses(static_cast<size_t>(n));
  testing::RunConcurrently(n, [&](int i) { statuses[static_cast<size_t>(i)] = body(i); });
  return statuses;
}

int CountOk(const std::vector<absl::Status>& statuses) {
  return static_cast<int>(std::count_if(statuses.begin(), statuses.end(), [](const absl::Status& s) { return s.ok(); }));
}

class LifecycleTest : public ::testing::Test {
 protected:
  explicit LifecycleTest(size_t pool_size = 2) : db_(pool_size) {}

  void SetUp() override {
    company_ = AddCompany(db_, "Lifecycle AG");
    customer_ = AddCustomer(db_, company_, "Kunde GmbH");
  }

  // A DRAFT with one line of `price` CHF, no tax: its total is `price`.
  domain::Invoice Draft(int64_t price = 10000, int64_t customer = 0, int64_t company = 0) {
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

  domain::Payment LoadPayment(int64_t payment_id) {
    absl::StatusOr<domain::Payment> payment =
        db_.Run([&](storage::Transaction& tx) { return storage::FindPayment(tx, company_, payment_id); });
    EXPECT_TRUE(payment.ok()) << payment.status();
    return payment.ok() ? *payment : domain::Payment{};
  }

  // The moves, with the invoice's current version unless one is given.
  absl::StatusOr<app::InvoiceMoveResult> Finalize(int64_t invoice_id, std::optional<int64_t> version = std::nullopt,
                                                  int64_t company = 0) {
    const int64_t in = company ? company : company_;
    const int64_t v = version ? *version : Load(invoice_id, in).version;
    return db_.Run(
        [&](storage::Transaction& tx) { return app::FinalizeInvoice(tx, in, invoice_id, v, NextCreateTime()); });
  }

  absl::StatusOr<app::InvoiceMoveResult> Reissue(int64_t invoice_id) {
    const int64_t v = Load(invoice_id).version;
    return db_.Run(
        [&](storage::Transaction& tx) { return app::ReissueInvoice(tx, company_, invoice_id, v, NextCreateTime()); });
  }

  absl::StatusOr<app::InvoiceMoveResult> Revert(int64_t invoice_id) {
    const int64_t v = Load(invoice_id).version;
    return db_.Run([&](storage::Transaction& tx) {
      return app::RevertInvoiceToDraft(tx, company_, invoice_id, v, NextCreateTime());
    });
  }

  absl::StatusOr<app::InvoiceMoveResult> Void(int64_t invoice_id) {
    const int64_t v = Load(invoice_id).version;
    return db_.Run([&](storage::Transaction& tx) {
      return app::VoidInvoice(tx, company_, invoice_id, v, "entered twice", NextCreateTime());
    });
  }

  // A FINAL invoice of `price` CHF.
  domain::Invoice Final(int64_t price = 10000) {
    domain::Invoice draft = Draft(price);
    absl::StatusOr<app::InvoiceMoveResult> moved = Finalize(draft.id);
    EXPECT_TRUE(moved.ok()) << moved.status();
    return moved.ok() ? moved->invoice.after : domain::Invoice{};
  }

  absl::StatusOr<app::PaymentMoveResult> Pay(int64_t amount, const std::vector<std::pair<int64_t, int64_t>>& allocations,
                                             int64_t customer = 0) {
    app::PaymentInput input;
    input.customer_id = customer ? customer : customer_;
    input.amount = domain::Money{"CHF", amount};
    input.received_date = absl::CivilDay(2024, 3, 5);
    input.method = domain::PaymentMethod::kWire;
    for (const auto& [invoice_id, part] : allocations)
      input.allocations.push_back({invoice_id, domain::Money{"CHF", part}});
    return db_.Run([&](storage::Transaction& tx) { return app::RecordPayment(tx, company_, input, NextCreateTime()); });
  }

  absl::StatusOr<app::PaymentMoveResult> Apply(int64_t payment_id, int64_t invoice_id,
                                               std::optional<int64_t> amount = std::nullopt) {
    std::optional<domain::Money> money;
    if (amount) money = domain::Money{"CHF", *amount};
    return db_.Run([&](storage::Transaction& tx) {
      return app::ApplyPrepayment(tx, company_, payment_id, invoice_id, money, NextCreateTime());
    });
  }

  // The company's events (about one invoice, or all with 0), oldest first.
  std::vector<LifecycleEvent> Events(int64_t invoice_id = 0) {
    std::vector<LifecycleEvent> events;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      events = storage::ListLifecycleEvents(tx, company_, invoice_id);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return events;
  }

  int CountEvents(LifecycleEventKind kind, int64_t payment_id = 0) {
    std::vector<LifecycleEvent> events = Events();
    return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const LifecycleEvent& e) {
      return e.kind == kind && (payment_id == 0 || e.payment_id == payment_id);
    }));
  }

  std::optional<storage::StoredPdf> Pdf(int64_t invoice_id) {
    std::optional<storage::StoredPdf> pdf;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      pdf = storage::FindInvoicePdf(tx, company_, invoice_id);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return pdf;
  }

  std::string PdfRevisions(int64_t invoice_id) {
    return db_.Scalar("SELECT count(*) FROM invoice_pdfs WHERE invoice_id = " + std::to_string(invoice_id));
  }

  std::string Counter(int64_t company = 0) {
    return db_.Scalar("SELECT coalesce((SELECT last_number FROM invoice_number_counters WHERE company_id = " +
                      std::to_string(company ? company : company_) + "), 0)");
  }

  void ExpectLedgerClean() {
    app::LedgerReport report;
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      report = app::CheckCompanyLedger(tx, company_);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
    for (const domain::LedgerDifference& d : report.differences)
      ADD_FAILURE() << d.subject << ": " << d.check << ": expected " << d.expected_minor << ", actual "
                    << d.actual_minor;
  }

  MigratedDatabase db_;
  int64_t company_ = 0;
  int64_t customer_ = 0;
};

// Enough connections for eight threads and the test's own reads.
class LifecycleConcurrencyTest : public LifecycleTest {
 protected:
  LifecycleConcurrencyTest() : LifecycleTest(10) {}
};

// ------------------------------------------------------------- numbering

TEST_F(LifecycleTest, FirstFinalizeNumbersOneAndTheNextInvoiceTwo) {  // LC-2
  domain::Invoice first = Draft();
  domain::Invoice second = Draft();
  EXPECT_EQ(first.number, "");
  absl::StatusOr<app::InvoiceMoveResult> a = Finalize(first.id);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->invoice.before.number, "");
  EXPECT_EQ(a->invoice.after.number, "INV-000001");
  EXPECT_EQ(a->invoice.after.state, InvoiceState::kFinal);
  absl::StatusOr<app::InvoiceMoveResult> b = Finalize(second.id);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->invoice.after.number, "INV-000002");
  // As stored.
  EXPECT_EQ(Load(first.id).number, "INV-000001");
  EXPECT_EQ(Load(second.id).number, "INV-000002");
  EXPECT_EQ(Counter(), "2");
}

TEST_F(LifecycleTest, VoidedInvoiceKeepsItsNumberAndTheNumberIsNeverReused) {  // LC-2
  domain::Invoice first = Final();
  ASSERT_EQ(first.number, "INV-000001");
  absl::StatusOr<app::InvoiceMoveResult> voided = Void(first.id);  // FINAL, nothing paid
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(voided->invoice.after.state, InvoiceState::kVoid);
  EXPECT_EQ(voided->invoice.after.number, "INV-000001");
  EXPECT_EQ(voided->invoice.after.void_reason, "entered twice");
  EXPECT_EQ(Load(first.id).number, "INV-000001");

  // A draft voided before it was ever finalized takes no number.
  domain::Invoice never_final = Draft();
  ASSERT_TRUE(Void(never_final.id).ok());
  EXPECT_EQ(Load(never_final.id).number, "");

  domain::Invoice next = Final();
  EXPECT_EQ(next.number, "INV-000002");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoices WHERE number = 'INV-000001'"), "1");
  // A VOID invoice cannot be finalized again (no move leaves VOID).
  absl::StatusOr<app::InvoiceMoveResult> refinal = Finalize(first.id);
  EXPECT_EQ(refinal.status().code(), absl::StatusCode::kFailedPrecondition) << refinal.status();
  EXPECT_EQ(Counter(), "2");
}

TEST_F(LifecycleTest, ReissuedInvoiceKeepsItsNumberWhenFinalizedAgain) {  // LC-2
  domain::Invoice invoice = Final(10000);
  ASSERT_EQ(invoice.number, "INV-000001");
  absl::StatusOr<app::InvoiceMoveResult> reissued = Reissue(invoice.id);
  ASSERT_TRUE(reissued.ok()) << reissued.status();
  EXPECT_EQ(reissued->invoice.after.state, InvoiceState::kReissue);
  EXPECT_EQ(reissued->invoice.after.number, "INV-000001");

  // LC-1: a REISSUE is editable.
  app::InvoiceDraftInput input;
  input.lines = {domain::InvoiceLineInput{"Corrected", "2", domain::Money{"CHF", 7000}, ""}};
  domain::FieldErrors errors;
  const domain::UpdateMask mask = domain::UpdateMask::Parse(errors, {"lines"}, app::kEditableInvoiceFields);
  const int64_t version = Load(invoice.id).version;
  absl::StatusOr<app::Change<domain::Invoice>> edited = db_.Run([&](storage::Transaction& tx) {
    return app::UpdateEditableInvoice(tx, company_, invoice.id, version, input, mask, NextCreateTime());
  });
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->after.total_minor, 14000);

  absl::StatusOr<app::InvoiceMoveResult> refinalized = Finalize(invoice.id);
  ASSERT_TRUE(refinalized.ok()) << refinalized.status();
  EXPECT_EQ(refinalized->invoice.after.number, "INV-000001");
  EXPECT_EQ(refinalized->invoice.after.total_minor, 14000);
  EXPECT_EQ(Counter(), "1");
  EXPECT_EQ(Final().number, "INV-000002");
}

TEST_F(LifecycleTest, InvoiceRevertedToDraftKeepsItsNumberWhenFinalizedAgain) {  // LC-2
  domain::Invoice invoice = Final();
  ASSERT_EQ(invoice.number, "INV-000001");
  absl::StatusOr<app::InvoiceMoveResult> reverted = Revert(invoice.id);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->invoice.after.state, InvoiceState::kDraft);
  EXPECT_EQ(Load(invoice.id).number, "INV-000001");
  absl::StatusOr<app::InvoiceMoveResult> again = Finalize(invoice.id);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->invoice.after.number, "INV-000001");
  EXPECT_EQ(Counter(), "1");
  EXPECT_EQ(Final().number, "INV-000002");
}

TEST_F(LifecycleTest, EachCompanyNumbersItsInvoicesFromOne) {  // LC-2, BP-6
  const int64_t other = AddCompany(db_, "Other AG");
  const int64_t other_customer = AddCustomer(db_, other, "Other customer");
  domain::Invoice mine = Final();
  domain::Invoice theirs = Draft(5000, other_customer, other);
  absl::StatusOr<app::InvoiceMoveResult> theirs_final = Finalize(theirs.id, std::nullopt, other);
  ASSERT_TRUE(theirs_final.ok()) << theirs_final.status();
  EXPECT_EQ(mine.number, "INV-000001");
  EXPECT_EQ(theirs_final->invoice.after.number, "INV-000001");
  EXPECT_EQ(Final().number, "INV-000002");
  domain::Invoice theirs_second = Draft(5000, other_customer, other);
  absl::StatusOr<app::InvoiceMoveResult> second = Finalize(theirs_second.id, std::nullopt, other);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->invoice.after.number, "INV-000002");
  EXPECT_EQ(Counter(), "2");
  EXPECT_EQ(Counter(other), "2");
}

// A finalize that fails leaves no trace: no number taken, no PDF, no event.
TEST_F(LifecycleTest, FailedFinalizeTakesNoNumberAndWritesNothing) {  // LC-2
  domain::Invoice first = Final();
  ASSERT_EQ(first.number, "INV-000001");
  domain::Invoice second = Draft();

  // A stale version: ABORTED.
  absl::StatusOr<app::InvoiceMoveResult> stale = Finalize(second.id, second.version + 1);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted) << stale.status();

  // A finalize that succeeds inside a transaction that then fails: rolled
  // back with everything it wrote.
  absl::Status rolled_back = db_.RunStatus([&](storage::Transaction& tx) {
    absl::StatusOr<app::InvoiceMoveResult> moved =
        app::FinalizeInvoice(tx, company_, second.id, second.version, NextCreateTime());
    if (!moved.ok()) return moved.status();
    EXPECT_EQ(moved->invoice.after.number, "INV-000002");
    return absl::UnavailableError("the caller gave up after the finalize");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kUnavailable) << rolled_back;

  domain::Invoice after = Load(second.id);
  EXPECT_EQ(after.state, InvoiceState::kDraft);
  EXPECT_EQ(after.number, "");
  EXPECT_EQ(after.version, second.version);
  EXPECT_EQ(Counter(), "1");
  EXPECT_EQ(PdfRevisions(second.id), "0");
  EXPECT_THAT(Events(second.id), IsEmpty());

  absl::StatusOr<app::InvoiceMoveResult> finalized = Finalize(second.id);
  ASSERT_TRUE(finalized.ok()) << finalized.status();
  EXPECT_EQ(finalized->invoice.after.number, "INV-000002");  // no gap
  EXPECT_EQ(PdfRevisions(second.id), "1");
  EXPECT_EQ(Final().number, "INV-000003");
}

// ----------------------------------------------------------- concurrency

TEST_F(LifecycleConcurrencyTest, EightConcurrentFinalizesTakeEightConsecutiveNumbers) {  // LC-2
  constexpr int kThreads = 8;
  std::vector<domain::Invoice> drafts;
  for (int i = 0; i < kThreads; ++i) drafts.push_back(Draft(1000 + i));
  std::vector<std::string> numbers(kThreads);
  std::vector<absl::Status> statuses = RunConcurrently(kThreads, [&](int i) {
    const domain::Invoice& draft = drafts[static_cast<size_t>(i)];
    absl::StatusOr<app::InvoiceMoveResult> moved = db_.Run([&](storage::Transaction& tx) {
      return app::FinalizeInvoice(tx, company_, draft.id, draft.version, At(2024, 3, 1));
    });
    if (moved.ok()) numbers[static_cast<size_t>(i)] = moved->invoice.after.number;
    return moved.status();
  });
  for (const absl::Status& status : statuses) EXPECT_TRUE(status.ok()) << status;
  std::set<std::string> distinct(numbers.begin(), numbers.end());
  std::set<std::string> expected;
  for (int n = 1; n <= kThreads; ++n) expected.insert(absl::StrCat("INV-00000", n));
  EXPECT_EQ(distinct, expected);
  EXPECT_EQ(Counter(), "8");
  EXPECT_EQ(db_.Scalar("SELECT count(DISTINCT number) FROM invoices WHERE state = 'final'"), "8");
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM invoice_pdfs"), "8");
  EXPECT_EQ(Final().number, "INV-000009");
}

TEST_F(LifecycleConcurrencyTest, TwoConcurrentFinalizesOfOneInvoiceSucceedOnce) {  // LC-2
  constexpr int kRounds = 8;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    domain::Invoice draft = Draft();
    std::vector<absl::Status> statuses = RunConcurrently(2, [&](int) {
      return db_
          .Run([&](storage::Transaction& tx) {
            return app::FinalizeInvoice(tx, company_, draft.id, draft.version, At(2024, 3, 1));
          })
          .status();
    });
    EXPECT_EQ(CountOk(statuses), 1) << statuses[0] << " / " << statuses[1];
    for (const absl::Status& status : statuses)
      if (!status.ok()) {
        EXPECT_THAT(status.code(), AnyOf(absl::StatusCode::kAborted, absl::StatusCode::kFailedPrecondition))
            << status;
      }
    EXPECT_EQ(PdfRevisions(draft.id), "1");
    EXPECT_EQ(Load(draft.id).number, absl::StrCat("INV-00000", round + 1));
    EXPECT_EQ(Events(draft.id).size(), 1u);
  }
  EXPECT_EQ(Counter(), std::to_string(kRounds));  // no number lost to the refused ones
}

TEST_F(LifecycleConcurrencyTest, ConcurrentPaymentsOfTheFullOutstandingSucceedOnce) {  // LC-3
  constexpr int kThreads = 4;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    domain::Invoice invoice = Final(25000);
    std::vector<absl::Status> statuses =
        RunConcurrently(kThreads, [&](int) { return Pay(25000, {{invoice.id, 25000}}).status(); });
    EXPECT_EQ(CountOk(statuses), 1);
    for (const absl::Status& status : statuses)
      if (!status.ok()) {
        EXPECT_THAT(status.code(), AnyOf(absl::StatusCode::kInvalidArgument, absl::StatusCode::kAborted)) << status;
      }
    domain::Invoice after = Load(invoice.id);
    EXPECT_EQ(after.applied_minor, 25000);
    EXPECT_EQ(after.outstanding_minor, 0);
    EXPECT_EQ(db_.Scalar("SELECT count(*) FROM payment_allocations WHERE invoice_id = " + std::to_string(invoice.id)),
              "1");
  }
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM payments"), "3");
  ExpectLedgerClean();
}

TEST_F(LifecycleConcurrencyTest, ConcurrentApplicationsOfOnePrepaymentSucceedOnce) {  // BP-8
  absl::StatusOr<app::PaymentMoveResult> prepaid = Pay(5000, {});
  ASSERT_TRUE(prepaid.ok()) << prepaid.status();
  const int64_t payment_id = prepaid->payment.id;
  std::vector<domain::Invoice> invoices = {Final(5000), Final(5000), Final(5000)};
  std::vector<absl::Status> statuses = RunConcurrently(3, [&](int i) {
    return Apply(payment_id, invoices[static_cast<size_t>(i)].id, 5000).status();
  });
  EXPECT_EQ(CountOk(statuses), 1);
  for (const absl::Status& status : statuses)
    if (!status.ok()) {
      EXPECT_THAT(status.code(), AnyOf(absl::StatusCode::kInvalidArgument, absl::StatusCode::kFailedPrecondition,
                                       absl::StatusCode::kAborted))
          << status;
    }
  EXPECT_EQ(LoadPayment(payment_id).unapplied_minor, 0);
  EXPECT_EQ(db_.Scalar("SELECT sum(applied_minor) FROM invoices"), "5000");
  ExpectLedgerClean();
}

// Two payments, each wrongly naming an invoice of the other customer, must
// both be refused as such (INVALID_ARGUMENT), not deadlock. The customer
// ledger lock serialises one customer's changes; here each call holds its
// own customer and locks the other's invoice, in opposite orders. A third
// transaction holds both invoices until both calls wait on them, so the
// interleaving is forced rather than left to chance.
TEST_F(LifecycleConcurrencyTest, PaymentsNamingEachOthersInvoicesAreRefusedWithoutDeadlock) {  // LC-3
  const int64_t other_customer = AddCustomer(db_, company_, "Andere AG");
  const domain::Invoice mine = Final(1000);
  domain::Invoice theirs_draft = Draft(1000, other_customer);
  absl::StatusOr<app::InvoiceMoveResult> theirs = Finalize(theirs_draft.id);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  const std::string both = absl::StrCat(mine.id, ", ", theirs->invoice.after.id);

  std::promise<void> locked, release;
  std::shared_future<void> released = release.get_future().share();
  std::thread blocker([&] {
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      int count = 0;
      tx.session() << "SELECT count(*) FROM (SELECT 1 FROM invoices WHERE invoice_id IN (" + both + ") FOR UPDATE) l",
          soci::into(count);
      locked.set_value();
      released.wait();
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
  });
  locked.get_future().wait();

  // Each allocates 10 to its own invoice first, then 10 to the other's.
  std::vector<absl::Status> statuses(2);
  std::thread first([&] { statuses[0] = Pay(100, {{mine.id, 10}, {theirs->invoice.after.id, 10}}).status(); });
  std::thread second(
      [&] { statuses[1] = Pay(100, {{theirs->invoice.after.id, 10}, {mine.id, 10}}, other_customer).status(); });
  const bool both_waiting = WaitUntil([&] {
    return db_.Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      " AND wait_event_type = 'Lock'") == "2";
  });
  release.set_value();
  first.join();
  second.join();
  blocker.join();
  ASSERT_TRUE(both_waiting);
  for (const absl::Status& status : statuses) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    if (absl::IsInvalidArgument(status)) {
      EXPECT_THAT(std::string(status.message()), HasSubstr("another customer"));
    }
  }
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM payments"), "0");
  ExpectLedgerClean();
}

// ---------------------------------------------------------------- events

TEST_F(LifecycleTest, EachMoveStoresItsEvent) {  // BP-1, BP-9, BP-11
  domain::Invoice invoice = Draft(12000);
  ASSERT_TRUE(Finalize(invoice.id).ok());
  EXPECT_THAT(Events(invoice.id), ElementsAre(LifecycleEvent{LifecycleEventKind::kInvoiceFinalized, invoice.id, 0, 12000}));
  ASSERT_TRUE(Reissue(invoice.id).ok());
  ASSERT_TRUE(Finalize(invoice.id).ok());
  ASSERT_TRUE(Revert(invoice.id).ok());
  ASSERT_TRUE(Void(invoice.id).ok());
  EXPECT_THAT(Events(invoice.id),
              ElementsAre(LifecycleEvent{LifecycleEventKind::kInvoiceFinalized, invoice.id, 0, 12000},
                          LifecycleEvent{LifecycleEventKind::kInvoiceReissued, invoice.id, 0, 0},
                          LifecycleEvent{LifecycleEventKind::kInvoiceRefinalized, invoice.id, 0, 12000},
                          LifecycleEvent{LifecycleEventKind::kInvoiceRevertedToDraft, invoice.id, 0, 0},
                          LifecycleEvent{LifecycleEventKind::kInvoiceVoided, invoice.id, 0, 0}));
}

// The event is written by the move's own transaction: visible inside it,
// gone with it when it rolls back, so bill-pay never hears of a move that
// did not happen.
TEST_F(LifecycleTest, MoveEventIsWrittenInTheMovesTransaction) {  // BP-9, BP-8
  domain::Invoice invoice = Final(8000);
  const std::vector<LifecycleEvent> before = Events();
  absl::Status rolled_back = db_.RunStatus([&](storage::Transaction& tx) {
    absl::StatusOr<app::InvoiceMoveResult> moved =
        app::RevertInvoiceToDraft(tx, company_, invoice.id, invoice.version, NextCreateTime());
    if (!moved.ok()) return moved.status();
    std::vector<LifecycleEvent> inside = storage::ListLifecycleEvents(tx, company_, invoice.id);
    EXPECT_EQ(inside.size(), 2u);
    if (!inside.empty()) {
      EXPECT_EQ(inside.back().kind, LifecycleEventKind::kInvoiceRevertedToDraft);
    }
    return absl::CancelledError("roll back");
  });
  EXPECT_EQ(rolled_back.code(), absl::StatusCode::kCancelled) << rolled_back;
  EXPECT_EQ(Events(), before);
  EXPECT_EQ(Load(invoice.id).state, InvoiceState::kFinal);
}

TEST_F(LifecycleTest, RefusedMovesStoreNoEvent) {  // LIFECYCLE
  domain::Invoice draft = Draft();
  domain::Invoice paid = Final(3000);
  ASSERT_TRUE(Pay(1000, {{paid.id, 1000}}).ok());
  domain::Invoice voided = Draft();
  ASSERT_TRUE(Void(voided.id).ok());
  const std::vector<LifecycleEvent> before = Events();
  const std::string rows = db_.Scalar(
      "SELECT string_agg(concat_ws(',', invoice_id, state, number, applied_minor, version), ';' ORDER BY invoice_id)"
      " FROM invoices");

  EXPECT_EQ(Reissue(draft.id).status().code(), absl::StatusCode::kFailedPrecondition);  // DRAFT→REISSUE
  EXPECT_EQ(Revert(draft.id).status().code(), absl::StatusCode::kFailedPrecondition);   // DRAFT→DRAFT
  EXPECT_EQ(Finalize(voided.id).status().code(), absl::StatusCode::kFailedPrecondition);  // VOID→FINAL
  EXPECT_EQ(Revert(voided.id).status().code(), absl::StatusCode::kFailedPrecondition);   // VOID→DRAFT
  absl::StatusOr<app::InvoiceMoveResult> void_paid = Void(paid.id);  // FINAL with a payment
  EXPECT_EQ(void_paid.status().code(), absl::StatusCode::kFailedPrecondition) << void_paid.status();
  EXPECT_EQ(domain::RuleOf(void_paid.status()), "LIFECYCLE");
  EXPECT_EQ(Finalize(paid.id).status().code(), absl::StatusCode::kFailedPrecondition);  // FINAL→FINAL
  EXPECT_EQ(Finalize(draft.id, draft.version + 5).status().code(), absl::StatusCode::kAborted);  // stale
  EXPECT_EQ(Finalize(987654321, 1).status().code(), absl::StatusCode::kNotFound);

  EXPECT_EQ(Events(), before);
  EXPECT_EQ(db_.Scalar("SELECT string_agg(concat_ws(',', invoice_id, state, number, applied_minor, version), ';'"
                       " ORDER BY invoice_id) FROM invoices"),
            rows);
  EXPECT_EQ(Counter(), "1");
}

// BP-10: a payment made on several invoices is "all reverted" once, when
// the last of them goes back to DRAFT or REISSUE; a prepayment applied
// later does not count as an invoice the payment was made on.
TEST_F(LifecycleTest, AllInvoicesRevertedIsStoredOnceWhenTheLastInvoiceGoesBack) {  // BP-10
  domain::Invoice a = Final(3000), b = Final(2000), c = Final(1000);
  absl::StatusOr<app::PaymentMoveResult> paid = Pay(6000, {{a.id, 3000}, {b.id, 2000}, {c.id, 1000}});
  ASSERT_TRUE(paid.ok()) << paid.status();
  const int64_t payment = paid->payment.id;

  ASSERT_TRUE(Revert(a.id).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted), 0);
  ASSERT_TRUE(Reissue(b.id).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted), 0);
  // A is finalized again and the prepayment goes back onto it.
  ASSERT_TRUE(Finalize(a.id).ok());
  ASSERT_TRUE(Apply(payment, a.id, 3000).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted), 0);

  ASSERT_TRUE(Revert(c.id).ok());  // the last invoice the payment was made on
  std::vector<LifecycleEvent> c_events = Events(c.id);
  EXPECT_THAT(c_events, ElementsAre(LifecycleEvent{LifecycleEventKind::kInvoiceFinalized, c.id, 0, 1000},
                                    LifecycleEvent{LifecycleEventKind::kInvoiceRevertedToDraft, c.id, 0, 0},
                                    LifecycleEvent{LifecycleEventKind::kAllocationReleased, c.id, payment, 1000},
                                    LifecycleEvent{LifecycleEventKind::kPaymentAllReverted, c.id, payment, 6000}));
  // Going back again, with the prepayment on A, tells it no second time.
  ASSERT_TRUE(Revert(a.id).ok());
  ASSERT_TRUE(Revert(b.id).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted, payment), 1);
  EXPECT_EQ(CountEvents(LifecycleEventKind::kAllocationReleased, payment), 4);  // A twice, B, C

  // A payment on one invoice is all reverted with that invoice.
  domain::Invoice d = Final(500);
  absl::StatusOr<app::PaymentMoveResult> single = Pay(500, {{d.id, 500}});
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_TRUE(Reissue(d.id).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted, single->payment.id), 1);
  // A pure prepayment was made on no invoice: never "all reverted".
  absl::StatusOr<app::PaymentMoveResult> prepayment = Pay(700, {});
  ASSERT_TRUE(prepayment.ok()) << prepayment.status();
  domain::Invoice e = Final(700);
  ASSERT_TRUE(Apply(prepayment->payment.id, e.id).ok());
  ASSERT_TRUE(Revert(e.id).ok());
  EXPECT_EQ(CountEvents(LifecycleEventKind::kPaymentAllReverted, prepayment->payment.id), 0);
  ExpectLedgerClean();
}

// ------------------------------------------------------------------ BP-8

TEST_F(LifecycleTest, RevertToDraftTurnsPaymentsIntoPrepaymentsAndSaysWhy) {  // BP-8
  domain::Invoice invoice = Final(5000);
  absl::StatusOr<app::PaymentMoveResult> paid = Pay(4000, {{invoice.id, 3000}});
  ASSERT_TRUE(paid.ok()) << paid.status();
  const int64_t payment_id = paid->payment.id;
  EXPECT_EQ(paid->payment.unapplied_minor, 1000);
  EXPECT_EQ(Load(invoice.id).outstanding_minor, 2000);  // LC-3

  absl::StatusOr<app::InvoiceMoveResult> reverted = Revert(invoice.id);
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  EXPECT_EQ(reverted->invoice.after.applied_minor, 0);
  EXPECT_EQ(reverted->invoice.after.outstanding_minor, 5000);
  ASSERT_EQ(reverted->payments.size(), 1u);
  EXPECT_EQ(reverted->payments[0].before.unapplied_minor, 1000);
  EXPECT_EQ(reverted->payments[0].after.unapplied_minor, 4000);

  domain::Payment payment = LoadPayment(payment_id);
  EXPECT_EQ(payment.unapplied_minor, 4000);  // grew by what was on the invoice
  EXPECT_EQ(payment.state, domain::PaymentState::kReceived);
  ASSERT_EQ(payment.allocations.size(), 1u);
  const domain::Allocation& allocation = payment.allocations[0];
  EXPECT_EQ(allocation.state, domain::AllocationState::kReleased);  // kept, never deleted
  EXPECT_EQ(allocation.amount_minor, 3000);
  EXPECT_TRUE(allocation.end_time.has_value());
  EXPECT_THAT(allocation.end_reason, HasSubstr("INV-000001"));
  EXPECT_THAT(allocation.end_reason, HasSubstr("FINAL"));
  EXPECT_THAT(allocation.end_reason, HasSubstr("DRAFT"));
  EXPECT_EQ(CountEvents(LifecycleEventKind::kAllocationReleased, payment_id), 1);
  ExpectLedgerClean();
}

// BP-8, BP-2: payments on an invoice that is reissued become prepayments;
// applied back onto it they cover it, and a refinalized invoice whose
// outstanding nets to zero is not sent.
TEST_F(LifecycleTest, ReissueTurnsPaymentsIntoPrepaymentsThatCanBeAppliedBack) {  // BP-8, BP-2
  domain::Invoice invoice = Final(6000);
  absl::StatusOr<app::PaymentMoveResult> paid = Pay(6000, {{invoice.id, 6000}});
  ASSERT_TRUE(paid.ok()) << paid.status();
  const int64_t payment_id = paid->payment.id;

  absl::StatusOr<app::InvoiceMoveResult> reissued = Reissue(invoice.id);
  ASSERT_TRUE(reissued.ok()) << reissued.status();
  domain::Payment payment = LoadPayment(payment_id);
  EXPECT_EQ(payment.unapplied_minor, 6000);
  ASSERT_EQ(payment.allocations.size(), 1u);
  EXPECT_EQ(payment.allocations[0].state, domain::AllocationState::kReleased);
  EXPECT_THAT(payment.allocations[0].end_reason, HasSubstr("INV-000001"));
  EXPECT_THAT(payment.allocations[0].end_reason, HasSubstr("REISSUE"));

  absl::StatusOr<app::PaymentMoveResult> applied = Apply(payment_id, invoice.id);  // as much as both allow
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(applied->payment.unapplied_minor, 0);
  ASSERT_EQ(applied->payment.allocations.size(), 2u);
  EXPECT_EQ(applied->payment.allocations[1].source, domain::AllocationSource::kPrepayment);
  absl::StatusOr<app::InvoiceMoveResult> refinalized = Finalize(invoice.id);
  ASSERT_TRUE(refinalized.ok()) << refinalized.status();
  EXPECT_EQ(refinalized->invoice.after.outstanding_minor, 0);
  EXPECT_TRUE(refinalized->invoice.after.nothing_to_send);  // BP-2
  EXPECT_EQ(Events(invoice.id).back(),
            (LifecycleEvent{LifecycleEventKind::kInvoiceRefinalized, invoice.id, 0, 0}));
  ExpectLedgerClean();
}

TEST_F(LifecycleTest, ZeroTotalInvoiceIsNotSent) {  // BP-2
  absl::StatusOr<app::InvoiceMoveResult> zero = Finalize(Draft(0).id);
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_TRUE(zero->invoice.after.nothing_to_send);
  absl::StatusOr<app::InvoiceMoveResult> normal = Finalize(Draft(100).id);
  ASSERT_TRUE(normal.ok()) << normal.status();
  EXPECT_FALSE(normal->invoice.after.nothing_to_send);
}

// ------------------------------------------------------------------- PDF

TEST_F(LifecycleTest, FinalizeStoresThePdfWithItsSha256AndEveryRefinalizeAddsARevision) {  // LC-2
  domain::Invoice draft = Draft(4200);
  EXPECT_FALSE(Pdf(draft.id).has_value());
  ASSERT_TRUE(Finalize(draft.id).ok());
  std::optional<storage::StoredPdf> first = Pdf(draft.id);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->revision, 1);
  EXPECT_TRUE(first->pdf.starts_with("%PDF")) << first->pdf.substr(0, 16);
  EXPECT_EQ(first->sha256, Sha256Hex(first->pdf));
  const std::string where = " FROM invoice_pdfs WHERE invoice_id = " + std::to_string(draft.id);
  EXPECT_EQ(db_.Scalar("SELECT sha256" + where + " AND revision = 1"), Sha256Hex(first->pdf));
  EXPECT_EQ(db_.Scalar("SELECT encode(sha256(pdf), 'hex')" + where + " AND revision = 1"),
            Sha256Hex(first->pdf));  // the stored bytes are the hashed bytes

  ASSERT_TRUE(Reissue(draft.id).ok());
  EXPECT_EQ(PdfRevisions(draft.id), "1");  // going back renders nothing
  ASSERT_TRUE(Finalize(draft.id).ok());
  std::optional<storage::StoredPdf> second = Pdf(draft.id);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->revision, 2);
  EXPECT_TRUE(second->pdf.starts_with("%PDF"));
  EXPECT_EQ(second->sha256, Sha256Hex(second->pdf));
  EXPECT_EQ(db_.Scalar("SELECT string_agg(revision::text || ':' || (sha256 = encode(sha256(pdf), 'hex'))::text,"
                       " ',' ORDER BY revision)" + where),
            "1:true,2:true");

  ASSERT_TRUE(Revert(draft.id).ok());
  ASSERT_TRUE(Finalize(draft.id).ok());
  EXPECT_EQ(PdfRevisions(draft.id), "3");
  EXPECT_EQ(Pdf(draft.id)->revision, 3);
}

}  // namespace
}  // namespace invoicehub::integration
