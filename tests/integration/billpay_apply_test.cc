// Payments bill-pay reports, applied to our books on a real PostgreSQL
// (BP-12: exactly once, in any order), and the payment import that pages
// bill-pay's payment feed (a fake of the HTTP gateway serves the pages; the
// database is real). The ledger check runs after every test that moves money.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "server/app/billpay_import.h"
#include "server/domain/lifecycle_event.h"
#include "storage/billpay_import_cursor.h"
#include "storage/lifecycle_event_store.h"
#include "tests/integration/billpay_fixture.h"
#include "tests/support/concurrently.h"

namespace invoicehub::integration::billpay_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using app::BillPayApplyResult;

MATCHER_P(ResultIs, result, "") {
  if (!arg.ok()) {
    *result_listener << "status " << arg.status();
    return false;
  }
  *result_listener << "result " << app::BillPayApplyResultName(arg->result) << ", note \"" << arg->note << "\"";
  return arg->result == result;
}

MATCHER_P2(AllocationOf, invoice_id, amount, "") {
  return arg.invoice_id == invoice_id && arg.amount_minor == amount &&
         arg.state == domain::AllocationState::kApplied;
}

class BillPayApplyTest : public BillPayTest {
 protected:
  explicit BillPayApplyTest(size_t pool_size = 4) : BillPayTest(pool_size) {}

  int CountEvents(domain::LifecycleEventKind kind) {
    std::vector<domain::LifecycleEvent> events =
        Read([&](storage::Transaction& tx) { return storage::ListLifecycleEvents(tx, company_); });
    return static_cast<int>(
        std::count_if(events.begin(), events.end(), [&](const domain::LifecycleEvent& e) { return e.kind == kind; }));
  }
};

// ------------------------------------------------------------------ apply

TEST_F(BillPayApplyTest, NewPayerPaymentOverTwoInvoicesIsRecordedAndAllocated) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  domain::Invoice b = LinkedFinal(5000, "inv_b");
  auto outcome = Apply(PayerPayment("pay_1", 12000, {{"inv_a", 10000}, {"inv_b", 2000}}));
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_EQ(outcome->note, "");

  const int64_t payment_id = PaymentOf("pay_1");
  ASSERT_NE(payment_id, 0);
  EXPECT_EQ(outcome->payment_id, payment_id);
  domain::Payment payment = LoadPayment(payment_id);
  EXPECT_EQ(payment.customer_id, customer_);
  EXPECT_EQ(payment.amount_minor, 12000);
  EXPECT_EQ(payment.unapplied_minor, 0);
  EXPECT_EQ(payment.currency_code, "CHF");
  EXPECT_EQ(payment.method, domain::PaymentMethod::kCard);
  EXPECT_EQ(payment.reference, "pay_1");
  EXPECT_EQ(payment.received_date, absl::CivilDay(2024, 3, 7));
  EXPECT_THAT(payment.allocations, ElementsAre(AllocationOf(a.id, 10000), AllocationOf(b.id, 2000)));
  EXPECT_EQ(Load(a.id).outstanding_minor, 0);
  EXPECT_EQ(Load(b.id).outstanding_minor, 3000);
  EXPECT_EQ(db_.Scalar(absl::StrCat("SELECT origin FROM billpay_payments WHERE company_id = ", company_,
                                    " AND billpay_payment_id = 'pay_1'")),
            "payer");
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, SamePaymentAppliedTwiceIsRecordedOnce) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  EXPECT_THAT(Apply(payment), ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_THAT(Apply(payment), ResultIs(BillPayApplyResult::kUnchanged));
  EXPECT_EQ(Count("payments"), "1");
  EXPECT_EQ(Load(a.id).outstanding_minor, 6000);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, ReversalSeenBeforeThePaymentRecordsAndReversesOnce) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord succeeded = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  auto first = Apply(Reversed(succeeded, "chargeback"));
  ASSERT_THAT(first, ResultIs(BillPayApplyResult::kRecordedAndReversed));
  ASSERT_EQ(first->moves.size(), 2u);
  // The late "succeeded" does not undo the reversal.
  EXPECT_THAT(Apply(succeeded), ResultIs(BillPayApplyResult::kUnchanged));

  EXPECT_EQ(Count("payments"), "1");
  domain::Payment payment = LoadPayment(PaymentOf("pay_1"));
  EXPECT_EQ(payment.state, domain::PaymentState::kReversed);
  EXPECT_EQ(payment.reversal_reason, "bill-pay: chargeback");
  EXPECT_EQ(payment.unapplied_minor, 0);
  EXPECT_EQ(Load(a.id).outstanding_minor, 10000);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, ReversalReportedTwiceReversesOnce) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord succeeded = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  ASSERT_THAT(Apply(succeeded), ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_EQ(Load(a.id).outstanding_minor, 6000);
  EXPECT_THAT(Apply(Reversed(succeeded)), ResultIs(BillPayApplyResult::kReversed));
  EXPECT_THAT(Apply(Reversed(succeeded)), ResultIs(BillPayApplyResult::kUnchanged));
  EXPECT_THAT(Apply(succeeded), ResultIs(BillPayApplyResult::kUnchanged));

  EXPECT_EQ(CountEvents(domain::LifecycleEventKind::kPaymentReversed), 1);
  domain::Payment payment = LoadPayment(PaymentOf("pay_1"));
  EXPECT_EQ(payment.state, domain::PaymentState::kReversed);
  EXPECT_EQ(payment.reversal_reason, "bill-pay: refund");
  EXPECT_EQ(Load(a.id).outstanding_minor, 10000);
  ExpectLedgerClean();
}

// A reversal whose webhook was lost, for a payment we then deleted in
// bill-pay (its invoice went back, BP-8): the feed lists it as deleted, with
// its reversal reason. The reversal is applied, not lost.
TEST_F(BillPayApplyTest, AReversalSeenOnlyAsADeletedPaymentIsApplied) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord succeeded = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  ASSERT_THAT(Apply(succeeded), ResultIs(BillPayApplyResult::kRecorded));
  billpay::PaymentRecord deleted_after_reversal = Reversed(succeeded);
  deleted_after_reversal.status = billpay::PaymentStatus::kDeleted;
  EXPECT_THAT(Apply(deleted_after_reversal), ResultIs(BillPayApplyResult::kReversed));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_1")).state, domain::PaymentState::kReversed);
  EXPECT_EQ(Load(a.id).outstanding_minor, 10000);
  // A payment deleted without a reversal changes nothing here.
  billpay::PaymentRecord other = PayerPayment("pay_2", 1000, {{"inv_a", 1000}});
  ASSERT_THAT(Apply(other), ResultIs(BillPayApplyResult::kRecorded));
  other.status = billpay::PaymentStatus::kDeleted;
  EXPECT_THAT(Apply(other), ResultIs(BillPayApplyResult::kUnchanged));
  ExpectLedgerClean();
}

class BillPayApplyConcurrencyTest : public BillPayApplyTest {
 protected:
  BillPayApplyConcurrencyTest() : BillPayApplyTest(6) {}
};

// A webhook and the import applying the same payment at once.
TEST_F(BillPayApplyConcurrencyTest, SamePaymentAppliedConcurrentlyIsRecordedOnce) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  const billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  constexpr int kThreads = 4;
  std::vector<absl::StatusOr<app::BillPayApplyOutcome>> outcomes(kThreads, absl::UnknownError("not run"));
  const absl::Time now = At(2024, 3, 9);
  testing::RunConcurrently(kThreads, [&](int i) {
    outcomes[static_cast<size_t>(i)] = db_.Run(
        [&](storage::Transaction& tx) { return app::ApplyBillPayPayment(tx, company_, payment, now); });
  });

  int recorded = 0, unchanged = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    if (outcome->result == BillPayApplyResult::kRecorded) ++recorded;
    if (outcome->result == BillPayApplyResult::kUnchanged) ++unchanged;
  }
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(unchanged, kThreads - 1);
  EXPECT_EQ(Count("payments"), "1");
  EXPECT_EQ(Load(a.id).outstanding_minor, 6000);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, PaymentForAnInvoiceBackInDraftIsAllPrepayment) {  // BP-8, BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  absl::StatusOr<app::InvoiceMoveResult> reverted = db_.Run([&](storage::Transaction& tx) {
    return app::RevertInvoiceToDraft(tx, company_, a.id, Load(a.id).version, NextCreateTime());
  });
  ASSERT_TRUE(reverted.ok()) << reverted.status();
  Write([&](storage::Transaction& tx) { storage::MarkBillPayInvoiceDeleted(tx, company_, "inv_a", NextCreateTime()); });

  // Paid on the old record just before it was deleted.
  auto outcome = Apply(PayerPayment("pay_1", 4000, {{"inv_a", 4000}}));
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_THAT(outcome->note, HasSubstr("DRAFT"));
  domain::Payment payment = LoadPayment(PaymentOf("pay_1"));
  EXPECT_EQ(payment.amount_minor, 4000);
  EXPECT_EQ(payment.unapplied_minor, 4000);
  EXPECT_THAT(payment.allocations, IsEmpty());
  EXPECT_EQ(Load(a.id).applied_minor, 0);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, UnknownInvoiceLeavesItsPartAsPrepaymentAndSaysSo) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  auto outcome = Apply(PayerPayment("pay_1", 7000, {{"inv_a", 5000}, {"inv_unknown", 2000}}));
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_THAT(outcome->note, HasSubstr("inv_unknown"));
  domain::Payment payment = LoadPayment(PaymentOf("pay_1"));
  EXPECT_EQ(payment.amount_minor, 7000);
  EXPECT_EQ(payment.unapplied_minor, 2000);
  EXPECT_THAT(payment.allocations, ElementsAre(AllocationOf(a.id, 5000)));
  EXPECT_EQ(Load(a.id).outstanding_minor, 5000);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, OverpaymentBeyondTheOutstandingIsPrepayment) {  // BP-12, LC-3
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  auto outcome = Apply(PayerPayment("pay_1", 12500, {{"inv_a", 12500}}));
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_THAT(outcome->note, HasSubstr("2500"));
  domain::Payment payment = LoadPayment(PaymentOf("pay_1"));
  EXPECT_EQ(payment.amount_minor, 12500);
  EXPECT_EQ(payment.unapplied_minor, 2500);
  EXPECT_THAT(payment.allocations, ElementsAre(AllocationOf(a.id, 10000)));
  EXPECT_EQ(Load(a.id).outstanding_minor, 0);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, AnotherCustomersInvoiceIsNotPaid) {  // BP-12
  const int64_t other = AddCustomer(db_, company_, "Other Payer AG");
  domain::Invoice theirs = LinkedFinal(10000, "inv_theirs", other);
  auto outcome = Apply(PayerPayment("pay_1", 3000, {{"inv_theirs", 3000}}));
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_THAT(outcome->note, HasSubstr("another customer"));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_1")).unapplied_minor, 3000);
  EXPECT_EQ(Load(theirs.id).outstanding_minor, 10000);
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, UnknownCustomerIsUnmatchedAndRecordsNothing) {  // BP-12
  LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  payment.customer_id = "cus_stranger";
  auto outcome = Apply(payment);
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kUnmatched));
  EXPECT_THAT(outcome->note, HasSubstr("cus_stranger"));
  EXPECT_EQ(Count("payments"), "0");
  EXPECT_EQ(Count("billpay_payments"), "0");
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, OtherCurrencyThanTheCustomersIsUnmatched) {  // BP-12
  LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  payment.currency = "EUR";
  auto outcome = Apply(payment);
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kUnmatched));
  EXPECT_THAT(outcome->note, HasSubstr("EUR"));
  EXPECT_EQ(Count("payments"), "0");
}

// Dates are civil dates in the company's time zone: the moment bill-pay took
// the payment, read there, not the UTC day.
TEST_F(BillPayApplyTest, ReceivedDateIsTheCompanysDayOfThePaymentsTime) {  // BP-12
  SetTimeZone(company_, "Pacific/Auckland");  // UTC+13 in March
  billpay::PaymentRecord east = PayerPayment("pay_east", 1000);
  east.created_unix = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2024, 3, 7, 20, 0, 0), absl::UTCTimeZone()));
  east.created_date = "2024-03-07";  // the UTC day, as the transformer gives it
  ASSERT_THAT(Apply(east), ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_east")).received_date, absl::CivilDay(2024, 3, 8));

  SetTimeZone(company_, "America/Los_Angeles");  // UTC-8 in early March
  billpay::PaymentRecord west = PayerPayment("pay_west", 1000);
  west.created_unix = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2024, 3, 7, 3, 0, 0), absl::UTCTimeZone()));
  west.created_date = "2024-03-07";
  ASSERT_THAT(Apply(west), ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_west")).received_date, absl::CivilDay(2024, 3, 6));
  ExpectLedgerClean();
}

TEST_F(BillPayApplyTest, WithoutACreationTimeTheReceivedDateIsTodayInTheCompanysZone) {  // BP-12
  SetTimeZone(company_, "Pacific/Auckland");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 1000);
  payment.created_unix = 0;
  payment.created_date = "";
  const absl::Time now = absl::FromCivil(absl::CivilSecond(2024, 3, 9, 12, 0, 0), absl::UTCTimeZone());
  absl::StatusOr<app::BillPayApplyOutcome> outcome =
      db_.Run([&](storage::Transaction& tx) { return app::ApplyBillPayPayment(tx, company_, payment, now); });
  ASSERT_THAT(outcome, ResultIs(BillPayApplyResult::kRecorded));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_1")).received_date, absl::CivilDay(2024, 3, 10));  // 01:00 in Auckland
}

TEST_F(BillPayApplyTest, PaymentWeMadeOurselvesIsUnchanged) {  // BP-8, BP-12
  LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_api", 4000, {{"inv_a", 4000}});
  payment.origin = billpay::PaymentOrigin::kApi;
  payment.external_id = "12345";
  EXPECT_THAT(Apply(payment), ResultIs(BillPayApplyResult::kUnchanged));
  EXPECT_EQ(Count("payments"), "0");
  ExpectLedgerClean();
}

// ------------------------------------------------------------------ import

class BillPayImportTest : public BillPayApplyTest {
 protected:
  void SetUp() override {
    BillPayApplyTest::SetUp();
    SetAccount(company_, "whsec_import_0123456789abcdef");
  }

  absl::StatusOr<app::ImportSummary> Import() {
    domain::FixedClock clock(At(2024, 3, 8));
    return app::ImportBillPayPayments(gateways_, company_, clock);
  }

  std::optional<std::string> Cursor() {
    return Read([&](storage::Transaction& tx) { return storage::FindImportCursor(tx, company_); });
  }
};

TEST_F(BillPayImportTest, PagesThroughTheFeedAndSavesTheCursorOfEachPage) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  feed_.SetPage("", {PayerPayment("pay_1", 1000, {{"inv_a", 1000}}), PayerPayment("pay_2", 2000, {{"inv_a", 2000}})},
                "cur_1", true);
  feed_.SetPage("cur_1", {PayerPayment("pay_3", 3000)}, "cur_2", false);

  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 3);
  EXPECT_EQ(summary->unmatched, 0);
  EXPECT_THAT(feed_.asked(), ElementsAre("", "cur_1"));
  EXPECT_EQ(Cursor(), "cur_2");
  EXPECT_EQ(Load(a.id).outstanding_minor, 7000);
  EXPECT_EQ(LoadPayment(PaymentOf("pay_3")).unapplied_minor, 3000);
  // Audited as bill-pay's doing: each payment, and the invoice each time it changed.
  EXPECT_EQ(db_.Scalar(absl::StrCat("SELECT count(*) FROM audit_log WHERE company_id = ", company_,
                                    " AND actor = 'billpay' AND action = 'ImportPayments'")),
            "5");

  // The next import starts where this one stopped and finds nothing new.
  summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 0);
  EXPECT_THAT(feed_.asked(), ElementsAre("", "cur_1", "cur_2"));
  EXPECT_EQ(Count("payments"), "3");
  ExpectLedgerClean();
}

TEST_F(BillPayImportTest, PageReadAgainChangesNothing) {  // BP-12
  LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 1000, {{"inv_a", 1000}});
  feed_.SetPage("", {payment}, "cur_1", false);
  ASSERT_TRUE(Import().ok());
  // Bill-pay lists the payment again once reversed; then a webhook repeats both.
  feed_.SetPage("cur_1", {Reversed(payment)}, "cur_2", false);
  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->reversed, 1);
  EXPECT_THAT(Apply(payment), ResultIs(BillPayApplyResult::kUnchanged));
  EXPECT_THAT(Apply(Reversed(payment)), ResultIs(BillPayApplyResult::kUnchanged));
  EXPECT_EQ(Count("payments"), "1");
  ExpectLedgerClean();
}

TEST_F(BillPayImportTest, GatewayFailureMidwayKeepsTheCursorOfTheLastAppliedPage) {  // BP-12
  LinkedFinal(10000, "inv_a");
  feed_.SetPage("", {PayerPayment("pay_1", 1000, {{"inv_a", 1000}})}, "cur_1", true);
  billpay::Result<billpay::PaymentPage> down;
  down.outcome = billpay::Outcome::kRetryable;
  down.http_status = 503;
  down.error = "GET /v1/payments: 503 unavailable";
  feed_.SetPage("cur_1", down);

  absl::StatusOr<app::ImportSummary> failed = Import();
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable) << failed.status();
  EXPECT_THAT(std::string(failed.status().message()), HasSubstr("503 unavailable"));
  EXPECT_EQ(Cursor(), "cur_1");  // page one was applied and kept
  EXPECT_NE(PaymentOf("pay_1"), 0);

  feed_.SetPage("cur_1", {PayerPayment("pay_2", 2000, {{"inv_a", 2000}})}, "cur_2", false);
  absl::StatusOr<app::ImportSummary> resumed = Import();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->recorded, 1);
  EXPECT_THAT(feed_.asked(), ElementsAre("", "cur_1", "cur_1"));
  EXPECT_EQ(Cursor(), "cur_2");
  EXPECT_EQ(Count("payments"), "2");
  ExpectLedgerClean();
}

TEST_F(BillPayImportTest, FailureWhileApplyingAPageLeavesTheCursorAndThePage) {  // BP-12
  LinkedFinal(10000, "inv_a");
  feed_.SetPage("", {PayerPayment("pay_1", 1000, {{"inv_a", 1000}}), PayerPayment("pay_poison", 2000)}, "cur_1",
                false);
  // A real database failure on the page's second payment.
  testing::ExecSql(db_.url(),
                   "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                   " IF NEW.billpay_payment_id = 'pay_poison' THEN RAISE EXCEPTION 'poisoned'; END IF;"
                   " RETURN NEW; END $$");
  testing::ExecSql(db_.url(),
                   "CREATE TRIGGER refuse_poison BEFORE INSERT ON billpay_payments"
                   " FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
  absl::StatusOr<app::ImportSummary> failed = Import();
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(Cursor().value_or(""), "");
  EXPECT_EQ(Count("payments"), "0");  // pay_1 went with the page

  testing::ExecSql(db_.url(), "DROP TRIGGER refuse_poison ON billpay_payments");
  absl::StatusOr<app::ImportSummary> resumed = Import();
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(resumed->recorded, 2);
  EXPECT_EQ(Cursor(), "cur_1");
  ExpectLedgerClean();
}

TEST_F(BillPayImportTest, EveryOutcomeButDoneIsUnavailableWithTheGatewaysReason) {
  for (billpay::Outcome outcome : {billpay::Outcome::kRetryable, billpay::Outcome::kPermanent,
                                   billpay::Outcome::kUnknown}) {
    billpay::Result<billpay::PaymentPage> page;
    page.outcome = outcome;
    page.error = absl::StrCat("bill-pay said no (", billpay::OutcomeName(outcome), ")");
    feed_.SetPage("", page);
    absl::StatusOr<app::ImportSummary> summary = Import();
    EXPECT_EQ(summary.status().code(), absl::StatusCode::kUnavailable) << summary.status();
    EXPECT_THAT(std::string(summary.status().message()), HasSubstr(page.error));
    EXPECT_THAT(std::string(summary.status().message()), Not(HasSubstr("sk_test_import")));
  }
  EXPECT_EQ(Cursor().value_or(""), "");
}

TEST_F(BillPayImportTest, CompanyWithoutAccountIsNotFound) {
  const int64_t other = AddCompany(db_, "No Bill-pay AG");
  domain::FixedClock clock(At(2024, 3, 8));
  EXPECT_EQ(app::ImportBillPayPayments(gateways_, other, clock).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(BillPayImportTest, UnmatchedPaymentsAreKeptInTheInboxOnce) {  // BP-12
  billpay::PaymentRecord stranger = PayerPayment("pay_x", 1000);
  stranger.customer_id = "cus_stranger";
  feed_.SetPage("", {stranger}, "cur_1", false);
  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->unmatched, 1);
  std::optional<storage::InboxEvent> event = Inbox("import:pay_x:succeeded");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kUnmatched);
  EXPECT_THAT(event->note, HasSubstr("cus_stranger"));
  EXPECT_EQ(event->billpay_payment_id, "pay_x");
  EXPECT_EQ(event->event_type, "payment.succeeded");
  // The body is the payment as bill-pay wrote it, for whoever has to place it.
  nlohmann::json body = nlohmann::json::parse(event->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << event->body;
  EXPECT_EQ(body["id"], "pay_x");
  EXPECT_EQ(body["customer_id"], "cus_stranger");
  EXPECT_EQ(body["amount"], 1000);
  EXPECT_EQ(body["currency"], "CHF");
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(body["origin"], "payer");
  EXPECT_EQ(body["created"], stranger.created_unix);

  // Listed again (bill-pay changed it): one more row for the new status, none for the old.
  feed_.SetPage("cur_1", {Reversed(stranger), stranger}, "cur_2", false);
  ASSERT_TRUE(Import().ok());
  std::optional<storage::InboxEvent> reversed = Inbox("import:pay_x:reversed");
  ASSERT_TRUE(reversed.has_value());
  EXPECT_EQ(reversed->event_type, "payment.reversed");
  EXPECT_EQ(nlohmann::json::parse(reversed->body, nullptr, false)["reversal_reason"], "refund");
  EXPECT_EQ(Count("billpay_inbox"), "2");
  EXPECT_EQ(Count("payments"), "0");
}

// A payment the apply refuses (here: a real trigger makes its invoice's
// update affect no row, so the apply answers NOT_FOUND after writing the
// payment) does not hold up the feed: the page goes back, runs again
// without it, and it is kept in the inbox as unmatched. Nothing half-written
// of it stays, and nothing is lost.
TEST_F(BillPayImportTest, PaymentTheApplyRefusesIsKeptUnmatchedAndThePageGoesOn) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  domain::Invoice b = LinkedFinal(10000, "inv_b");
  RefuseUpdatesOf(b.id);
  feed_.SetPage("",
                {PayerPayment("pay_1", 1000, {{"inv_a", 1000}}), PayerPayment("pay_bad", 2000, {{"inv_b", 2000}}),
                 PayerPayment("pay_3", 3000, {{"inv_a", 3000}})},
                "cur_1", true);
  feed_.SetPage("cur_1", {PayerPayment("pay_4", 500, {{"inv_a", 500}})}, "cur_2", false);

  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 3);
  EXPECT_EQ(summary->unmatched, 1);
  EXPECT_EQ(Cursor(), "cur_2");
  EXPECT_EQ(PaymentOf("pay_bad"), 0);
  EXPECT_EQ(Count("payments"), "3");  // pay_bad's half-written payment went back
  EXPECT_EQ(Load(a.id).outstanding_minor, 5500);
  EXPECT_EQ(Load(b.id).outstanding_minor, 10000);

  std::optional<storage::InboxEvent> event = Inbox("import:pay_bad:succeeded");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kUnmatched);
  EXPECT_THAT(event->note, HasSubstr("not applied"));
  EXPECT_THAT(event->note, HasSubstr(absl::StrCat("invoice ", b.id, " not found")));
  EXPECT_EQ(event->billpay_payment_id, "pay_bad");
  nlohmann::json body = nlohmann::json::parse(event->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << event->body;
  EXPECT_EQ(body["id"], "pay_bad");
  EXPECT_EQ(body["amount"], 2000);
  EXPECT_EQ(body["allocations"], nlohmann::json::parse(R"([{"invoice_id": "inv_b", "amount": 2000}])"));

  AllowUpdates();
  ExpectLedgerClean();
}

// An inbox event the apply refuses is marked unmatched with the reason; one
// whose apply may pass later (a real database failure) stays pending for the
// next import. Neither holds up the payment feed.
TEST_F(BillPayImportTest, InboxEventsThatFailDoNotHoldUpTheFeed) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  domain::Invoice b = LinkedFinal(10000, "inv_b");
  RefuseUpdatesOf(b.id);
  FailLinksOf("pay_later");
  StorePending("evt_refused", PayerPayment("pay_refused", 2000, {{"inv_b", 2000}}));
  StorePending("evt_later", PayerPayment("pay_later", 1000, {{"inv_a", 1000}}));
  StorePending("evt_fine", PayerPayment("pay_fine", 500, {{"inv_a", 500}}));
  feed_.SetPage("", {PayerPayment("pay_feed", 3000, {{"inv_a", 3000}})}, "cur_1", false);

  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 2);  // evt_fine and the feed's payment
  EXPECT_EQ(summary->unmatched, 1);
  EXPECT_EQ(summary->pending, 1);
  EXPECT_EQ(Cursor(), "cur_1");
  EXPECT_NE(PaymentOf("pay_feed"), 0);
  std::optional<storage::InboxEvent> refused = Inbox("evt_refused");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->state, storage::InboxState::kUnmatched);
  EXPECT_THAT(refused->note, HasSubstr("not applied"));
  EXPECT_EQ(Inbox("evt_later")->state, storage::InboxState::kPending);
  EXPECT_EQ(Inbox("evt_fine")->state, storage::InboxState::kApplied);
  EXPECT_EQ(Count("payments"), "2");

  // Once the database is well again, the next import applies what was left.
  AllowLinks();
  AllowUpdates();
  summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 1);
  EXPECT_EQ(summary->pending, 0);
  EXPECT_EQ(Inbox("evt_later")->state, storage::InboxState::kApplied);
  EXPECT_EQ(Inbox("evt_refused")->state, storage::InboxState::kUnmatched);  // left for a person
  EXPECT_EQ(Load(a.id).outstanding_minor, 10000 - 3000 - 1000 - 500);
  EXPECT_EQ(PaymentOf("pay_refused"), 0);
  ExpectLedgerClean();
}

// What part of a recorded payment could not be placed is kept where an admin
// sees it (SyncService.ListInboxEvents): an applied inbox row with the note.
TEST_F(BillPayImportTest, NotesOfARecordedPaymentAreKeptInTheInbox) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  feed_.SetPage("",
                {PayerPayment("pay_1", 7000, {{"inv_a", 5000}, {"inv_unknown", 2000}}),
                 PayerPayment("pay_2", 1000, {{"inv_a", 1000}})},
                "cur_1", false);
  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 2);
  std::optional<storage::InboxEvent> event = Inbox("import:pay_1:succeeded");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kApplied);
  EXPECT_THAT(event->note, HasSubstr("recorded"));
  EXPECT_THAT(event->note, HasSubstr("inv_unknown"));
  EXPECT_EQ(event->event_type, "payment.succeeded");
  EXPECT_EQ(nlohmann::json::parse(event->body, nullptr, false)["id"], "pay_1");
  // A payment placed in full has nothing to report.
  EXPECT_FALSE(Inbox("import:pay_2:succeeded").has_value());
  EXPECT_EQ(Count("billpay_inbox"), "1");
  EXPECT_EQ(Load(a.id).outstanding_minor, 4000);
  ExpectLedgerClean();
}

TEST_F(BillPayImportTest, PendingWebhookEventsAreAppliedFirst) {  // BP-12
  domain::Invoice a = LinkedFinal(10000, "inv_a");
  billpay::PaymentRecord payment = PayerPayment("pay_1", 1000, {{"inv_a", 1000}});
  storage::InboxEvent event;
  event.event_id = "evt_1";
  event.event_type = "payment.succeeded";
  event.billpay_payment_id = "pay_1";
  event.body = WebhookBody("evt_1", "payment.succeeded", payment);
  Write([&](storage::Transaction& tx) { storage::InsertInboxEvent(tx, company_, event, NextCreateTime()); });
  // The feed reports the same payment.
  feed_.SetPage("", {payment}, "cur_1", false);

  absl::StatusOr<app::ImportSummary> summary = Import();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 1);
  EXPECT_EQ(summary->unchanged, 1);
  std::optional<storage::InboxEvent> applied = Inbox("evt_1");
  ASSERT_TRUE(applied.has_value());
  EXPECT_EQ(applied->state, storage::InboxState::kApplied);
  EXPECT_TRUE(applied->applied_time.has_value());
  EXPECT_EQ(Count("payments"), "1");
  EXPECT_EQ(Load(a.id).outstanding_minor, 9000);
  ExpectLedgerClean();
}

// ------------------------------------------------------------------ inbox storage

TEST_F(BillPayApplyTest, InboxKeepsOneRowPerEventAndPagesByState) {  // BP-12
  auto event = [](const std::string& id, storage::InboxState state) {
    storage::InboxEvent e;
    e.event_id = id;
    e.event_type = "payment.succeeded";
    e.body = "{}";
    e.state = state;
    return e;
  };
  using storage::InboxState;
  Write([&](storage::Transaction& tx) {
    EXPECT_TRUE(storage::InsertInboxEvent(tx, company_, event("evt_1", InboxState::kPending), At(2024, 3, 1)));
    EXPECT_FALSE(storage::InsertInboxEvent(tx, company_, event("evt_1", InboxState::kPending), At(2024, 3, 2)));
    EXPECT_TRUE(storage::InsertInboxEvent(tx, company_, event("evt_2", InboxState::kUnmatched), At(2024, 3, 3)));
    EXPECT_TRUE(storage::InsertInboxEvent(tx, company_, event("evt_3", InboxState::kPending), At(2024, 3, 4)));
  });
  auto ids = [](const std::vector<storage::InboxEvent>& events) {
    std::vector<std::string> out;
    for (const storage::InboxEvent& e : events) out.push_back(e.event_id);
    return out;
  };
  EXPECT_THAT(ids(Read([&](storage::Transaction& tx) { return storage::ListPendingInboxEvents(tx, company_, 10); })),
              ElementsAre("evt_1", "evt_3"));
  Write([&](storage::Transaction& tx) {
    EXPECT_TRUE(storage::MarkInboxEvent(tx, company_, "evt_1", InboxState::kApplied, "recorded", At(2024, 3, 5)));
    EXPECT_FALSE(storage::MarkInboxEvent(tx, company_, "evt_1", InboxState::kUnmatched, "x", At(2024, 3, 6)));
  });
  std::optional<storage::InboxEvent> first = Inbox("evt_1");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->state, storage::InboxState::kApplied);
  EXPECT_EQ(first->note, "recorded");
  EXPECT_EQ(first->received_time, At(2024, 3, 1));
  EXPECT_EQ(first->applied_time, At(2024, 3, 5));

  // Pages of two, then of one, in the order received.
  std::vector<storage::InboxEvent> page = Read([&](storage::Transaction& tx) {
    return storage::ListInboxEvents(tx, company_, {}, storage::InboxCursor{}, 2);
  });
  ASSERT_THAT(ids(page), ElementsAre("evt_1", "evt_2"));
  storage::InboxCursor after{absl::ToUnixMicros(page.back().received_time), page.back().event_id};
  EXPECT_THAT(ids(Read([&](storage::Transaction& tx) {
                return storage::ListInboxEvents(tx, company_, {}, after, 2);
              })),
              ElementsAre("evt_3"));
  storage::InboxFilter unmatched{storage::InboxState::kUnmatched};
  EXPECT_THAT(ids(Read([&](storage::Transaction& tx) {
                return storage::ListInboxEvents(tx, company_, unmatched, storage::InboxCursor{}, 10);
              })),
              ElementsAre("evt_2"));
  // Another company sees none of them.
  const int64_t other = AddCompany(db_, "Other AG");
  EXPECT_THAT(ids(Read([&](storage::Transaction& tx) {
                return storage::ListInboxEvents(tx, other, {}, storage::InboxCursor{}, 10);
              })),
              IsEmpty());
}

}  // namespace
}  // namespace invoicehub::integration::billpay_test
