// Payments through the API, as an independent client sees them: a payment
// across three invoices whose invoices go back one by one (BP-8, BP-10),
// prepayments applied to later invoices (BP-8), reversals, every refusal
// with nothing changed, tenants and roles, retries, and a seeded random run
// of a few hundred operations after each of which the ledger is clean.

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/concurrently.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;
using invoicehub::testing::RunConcurrently;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const v1::PaymentAllocation* AllocationTo(const v1::Payment& payment, const std::string& invoice_id,
                                          v1::AllocationSource source = v1::ALLOCATION_SOURCE_PAYMENT) {
  for (const v1::PaymentAllocation& allocation : payment.allocations())
    if (allocation.invoice_id() == invoice_id && allocation.source() == source) return &allocation;
  return nullptr;
}

class PaymentTest : public CompanyWithClerkTest {
 protected:
  // A FINAL invoice of `customer_id` (customer_ by default) over
  // `total_minor` CHF, no tax.
  v1::Invoice Final(int64_t total_minor, const std::string& customer_id = "") {
    return NewFinalInvoice(clerk_, customer_id.empty() ? customer_.id() : customer_id,
                           {Line("Work", "1", total_minor, "0")});
  }

  v1::Payment Payment(const std::string& id) { return GetPayment(clerk_, id); }

  static v1::RecordPaymentRequest PaymentRequest(const std::string& customer_id, int64_t amount_minor,
                                                 const std::vector<std::pair<std::string, int64_t>>& allocations,
                                                 const std::string& currency = "CHF") {
    v1::RecordPaymentRequest request;
    request.set_customer_id(customer_id);
    request.mutable_amount()->set_currency_code(currency);
    request.mutable_amount()->set_minor_units(amount_minor);
    *request.mutable_received_date() = MakeDate(2024, 4, 2);
    request.set_method(v1::PAYMENT_METHOD_CHECK);
    request.set_reference("check 1001");
    request.set_request_id(Unique("payment"));
    for (const auto& [invoice_id, minor_units] : allocations) {
      v1::AllocationRequest* allocation = request.add_allocations();
      allocation->set_invoice_id(invoice_id);
      allocation->mutable_amount()->set_minor_units(minor_units);
    }
    return request;
  }

  grpc::Status Record(const v1::RecordPaymentRequest& request, v1::Payment* response, const std::string& key = "") {
    return api().payments().RecordPayment(ApiClient::Context(key.empty() ? clerk_ : key).get(), request, response);
  }

  grpc::Status Apply(const std::string& payment_id, const std::string& invoice_id, std::optional<int64_t> amount,
                     v1::ApplyPrepaymentResponse* response, const std::string& key = "") {
    v1::ApplyPrepaymentRequest request;
    request.set_payment_id(payment_id);
    request.set_invoice_id(invoice_id);
    if (amount) request.mutable_amount()->set_minor_units(*amount);
    request.set_request_id(Unique("apply"));
    return api().payments().ApplyPrepayment(ApiClient::Context(key.empty() ? clerk_ : key).get(), request, response);
  }

  grpc::Status Reverse(const v1::Payment& payment, v1::Payment* response, const std::string& reason = "check bounced",
                       const std::string& key = "") {
    v1::ReversePaymentRequest request;
    request.set_payment_id(payment.id());
    request.set_version(payment.version());
    request.set_reason(reason);
    return api().payments().ReversePayment(ApiClient::Context(key.empty() ? clerk_ : key).get(), request, response);
  }

  v1::ListPrepaymentsResponse Prepayments(const std::string& customer_id) {
    v1::ListPrepaymentsRequest request;
    request.set_customer_id(customer_id);
    v1::ListPrepaymentsResponse response;
    grpc::Status status = api().payments().ListPrepayments(ApiClient::Context(clerk_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << StatusText(status);
    return response;
  }

  void ExpectLedgerClean() {
    v1::CheckLedgerResponse report = CheckLedger(admin_);
    EXPECT_TRUE(report.clean()) << LedgerText(report);
    EXPECT_EQ(report.differences_size(), 0);
  }

  // Rows that any change would add to.
  struct Rows {
    int64_t payments, allocations, audit, events;
    bool operator==(const Rows&) const = default;
  };
  Rows CountRows() {
    return {
        Count("SELECT count(*) FROM payments" + Where()), Count("SELECT count(*) FROM payment_allocations" + Where()),
        Count("SELECT count(*) FROM audit_log" + Where()), Count("SELECT count(*) FROM lifecycle_events" + Where())};
  }

  // Audit rows of `action` on the payment with its open prepayment before and
  // after (proto JSON leaves out a zero).
  int64_t PaymentAudits(const std::string& payment_id, const std::string& action, int64_t before_unapplied,
                        int64_t after_unapplied) {
    return Count(
        "SELECT count(*) FROM audit_log" + Where() + " AND entity_type = 'payment' AND entity_id = " + payment_id +
        " AND action = '" + action + "' AND COALESCE(before_state->'unapplied'->>'minor_units', '0') = '" +
        std::to_string(before_unapplied) + "' AND COALESCE(after_state->'unapplied'->>'minor_units', '0') = '" +
        std::to_string(after_unapplied) + "'");
  }

  std::vector<v1::Invoice> AllInvoices() {
    v1::ListInvoicesRequest request;
    request.set_page_size(500);
    return AllPages(api().invoices(), &v1::InvoiceService::Stub::ListInvoices, &v1::ListInvoicesResponse::invoices,
                    clerk_, request);
  }

  std::vector<v1::Payment> AllPayments() {
    v1::ListPaymentsRequest request;
    request.set_page_size(500);
    return AllPages(api().payments(), &v1::PaymentService::Stub::ListPayments, &v1::ListPaymentsResponse::payments,
                    clerk_, request);
  }

  // The ledger as the client adds it up (LC-3, BP-8, BP-10).
  void CheckLedgerFromOutside() {
    std::map<std::string, int64_t> applied_by_invoice, received_by_customer, held_by_customer;
    for (const v1::Payment& payment : AllPayments()) {
      int64_t applied = 0;
      bool recorded_on_any = false, all_released = true;
      for (const v1::PaymentAllocation& allocation : payment.allocations()) {
        if (allocation.source() == v1::ALLOCATION_SOURCE_PAYMENT) {
          recorded_on_any = true;
          all_released = all_released && allocation.state() == v1::ALLOCATION_STATE_RELEASED;
        }
        if (allocation.state() != v1::ALLOCATION_STATE_APPLIED) continue;
        applied += allocation.amount().minor_units();
        applied_by_invoice[allocation.invoice_id()] += allocation.amount().minor_units();
      }
      EXPECT_EQ(payment.all_invoices_reverted(), recorded_on_any && all_released) << "payment " << payment.id();
      if (payment.state() == v1::PAYMENT_STATE_REVERSED) {
        EXPECT_EQ(applied, 0) << "payment " << payment.id();
        EXPECT_EQ(payment.unapplied().minor_units(), 0) << "payment " << payment.id();
        continue;
      }
      EXPECT_EQ(payment.unapplied().minor_units(), payment.amount().minor_units() - applied)
          << "payment " << payment.id();
      received_by_customer[payment.customer_id()] += payment.amount().minor_units();
      held_by_customer[payment.customer_id()] += payment.unapplied().minor_units();
    }
    for (const v1::Invoice& invoice : AllInvoices()) {
      const int64_t applied = invoice.applied().minor_units();
      EXPECT_EQ(applied, applied_by_invoice[invoice.id()]) << "invoice " << invoice.id();
      const int64_t owed = invoice.state() == v1::INVOICE_STATE_VOID ? 0 : invoice.total().minor_units() - applied;
      EXPECT_EQ(invoice.outstanding().minor_units(), std::max<int64_t>(owed, 0)) << "invoice " << invoice.id();
      EXPECT_LE(applied, invoice.total().minor_units()) << "invoice " << invoice.id();
      if (invoice.state() == v1::INVOICE_STATE_DRAFT || invoice.state() == v1::INVOICE_STATE_VOID) {
        EXPECT_EQ(applied, 0) << "invoice " << invoice.id();
      }
      held_by_customer[invoice.customer_id()] += applied;
    }
    for (const auto& [customer, received] : received_by_customer)
      EXPECT_EQ(received, held_by_customer[customer]) << "customer " << customer;
  }

};

// The issue's scenario: one payment over three FINAL invoices; the invoices
// go back (to DRAFT, REISSUE, DRAFT) one at a time. After each, that
// invoice's allocation is RELEASED naming its number and the move, its
// amount is added to the payment's prepayment (audited as a payment
// change), the invoice has nothing applied, and all_invoices_reverted stays
// false until the third; the ledger is clean throughout. The prepayment is
// then applied to a later invoice.
TEST_F(PaymentTest, PaymentAcrossThreeInvoicesRevertedOneByOne) {  // BP-8, BP-10, LC-3
  std::vector<v1::Invoice> invoices = {Final(10000), Final(20000), Final(30000)};
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 65000,
                                   {{invoices[0].id(), 10000}, {invoices[1].id(), 20000}, {invoices[2].id(), 30000}});
  ASSERT_EQ(payment.allocations_size(), 3);
  EXPECT_EQ(payment.state(), v1::PAYMENT_STATE_RECEIVED);
  EXPECT_EQ(payment.amount().minor_units(), 65000);
  EXPECT_EQ(payment.amount().currency_code(), "CHF");
  EXPECT_EQ(payment.unapplied().minor_units(), 5000);
  EXPECT_FALSE(payment.all_invoices_reverted());
  for (int i = 0; i < 3; ++i) {
    const v1::PaymentAllocation& allocation = payment.allocations(i);
    EXPECT_EQ(allocation.invoice_id(), invoices[i].id());
    EXPECT_EQ(allocation.amount().minor_units(), invoices[i].total().minor_units());
    EXPECT_EQ(allocation.source(), v1::ALLOCATION_SOURCE_PAYMENT);
    EXPECT_EQ(allocation.state(), v1::ALLOCATION_STATE_APPLIED);
    v1::Invoice paid = Get(invoices[i].id());
    EXPECT_EQ(paid.applied().minor_units(), invoices[i].total().minor_units());
    EXPECT_EQ(paid.outstanding().minor_units(), 0);
    invoices[i] = paid;
  }
  EXPECT_EQ(Prepayments(customer_.id()).total_open().minor_units(), 5000);
  ExpectLedgerClean();

  struct Step {
    Move move;
    const char* target;
    v1::InvoiceState state;
  };
  const Step steps[] = {{Move::kRevertToDraft, "DRAFT", v1::INVOICE_STATE_DRAFT},
                        {Move::kReissue, "REISSUE", v1::INVOICE_STATE_REISSUE},
                        {Move::kRevertToDraft, "DRAFT", v1::INVOICE_STATE_DRAFT}};
  int64_t unapplied = 5000;
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    v1::Invoice back = Moved(invoices[i], steps[i].move);
    EXPECT_EQ(back.state(), steps[i].state);
    EXPECT_EQ(back.applied().minor_units(), 0);
    EXPECT_EQ(back.outstanding().minor_units(), invoices[i].total().minor_units());
    EXPECT_EQ(back.number(), invoices[i].number());

    v1::Payment now = Payment(payment.id());
    const int64_t before = unapplied;
    unapplied += invoices[i].total().minor_units();
    EXPECT_EQ(now.unapplied().minor_units(), unapplied);
    EXPECT_EQ(now.state(), v1::PAYMENT_STATE_RECEIVED);
    ASSERT_EQ(now.allocations_size(), 3);
    for (int j = 0; j < 3; ++j) {
      const v1::PaymentAllocation& allocation = now.allocations(j);
      EXPECT_EQ(allocation.state(), j <= i ? v1::ALLOCATION_STATE_RELEASED : v1::ALLOCATION_STATE_APPLIED) << j;
      EXPECT_EQ(allocation.has_end_time(), j <= i) << j;
    }
    const std::string& reason = now.allocations(i).end_reason();
    EXPECT_THAT(reason, HasSubstr(invoices[i].number()));
    EXPECT_THAT(reason, HasSubstr("FINAL"));
    EXPECT_THAT(reason, HasSubstr(steps[i].target));
    EXPECT_EQ(now.all_invoices_reverted(), i == 2);  // BP-10: only once all three are back
    EXPECT_EQ(PaymentAudits(payment.id(), MoveName(steps[i].move), before, unapplied), 1);
    EXPECT_EQ(Prepayments(customer_.id()).total_open().minor_units(), unapplied);
    ExpectLedgerClean();
  }
  EXPECT_EQ(unapplied, 65000);
  EXPECT_EQ(Count("SELECT count(*) FROM lifecycle_events" + Where() +
                  " AND kind = 'payment.all_invoices_reverted' AND payment_id = " + payment.id()),
            1);

  // Finalizing again does not bring the money back by itself...
  v1::Invoice refinalized = Moved(Get(invoices[0].id()), Move::kFinalize);
  EXPECT_EQ(refinalized.applied().minor_units(), 0);
  EXPECT_EQ(refinalized.outstanding().minor_units(), 10000);
  // ...the prepayment is applied to it, and to a later invoice (BP-8).
  v1::ApplyPrepaymentResponse applied;
  ASSERT_TRUE(Apply(payment.id(), refinalized.id(), std::nullopt, &applied).ok());
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 0);
  v1::Invoice later = Final(40000);
  grpc::Status status = Apply(payment.id(), later.id(), std::nullopt, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(applied.invoice().id(), later.id());
  EXPECT_EQ(applied.invoice().applied().minor_units(), 40000);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 0);
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 65000 - 10000 - 40000);
  const v1::PaymentAllocation* to_later = AllocationTo(applied.payment(), later.id(), v1::ALLOCATION_SOURCE_PREPAYMENT);
  ASSERT_NE(to_later, nullptr);
  EXPECT_EQ(to_later->state(), v1::ALLOCATION_STATE_APPLIED);
  EXPECT_EQ(to_later->amount().minor_units(), 40000);
  EXPECT_TRUE(applied.payment().all_invoices_reverted());  // about the invoices it was recorded on
  EXPECT_TRUE(SameMessage(Payment(payment.id()), applied.payment()));
  ExpectLedgerClean();
}

// BP-8: a payment recorded without allocations is a prepayment; applied to
// later invoices without an amount it covers min(open, outstanding), first
// a whole invoice, then part of the next; then nothing is left to apply.
TEST_F(PaymentTest, PrepaymentAppliedToLaterInvoices) {  // BP-8, LC-3
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 50000);
  EXPECT_EQ(payment.unapplied().minor_units(), 50000);
  EXPECT_EQ(payment.allocations_size(), 0);
  EXPECT_FALSE(payment.all_invoices_reverted());
  v1::ListPrepaymentsResponse open = Prepayments(customer_.id());
  ASSERT_EQ(open.payments_size(), 1);
  EXPECT_EQ(open.payments(0).id(), payment.id());
  EXPECT_EQ(open.total_open().minor_units(), 50000);
  EXPECT_EQ(open.total_open().currency_code(), "CHF");
  ExpectLedgerClean();

  v1::Invoice first = Final(30000), second = Final(25000);
  v1::ApplyPrepaymentResponse applied;
  grpc::Status status = Apply(payment.id(), first.id(), std::nullopt, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 20000);
  EXPECT_EQ(applied.invoice().applied().minor_units(), 30000);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 0);
  EXPECT_EQ(applied.invoice().state(), v1::INVOICE_STATE_FINAL);
  EXPECT_EQ(PaymentAudits(payment.id(), "ApplyPrepayment", 50000, 20000), 1);
  ExpectLedgerClean();

  status = Apply(payment.id(), second.id(), std::nullopt, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 0);
  EXPECT_EQ(applied.invoice().applied().minor_units(), 20000);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 5000);
  ASSERT_EQ(applied.payment().allocations_size(), 2);
  for (const v1::PaymentAllocation& allocation : applied.payment().allocations()) {
    EXPECT_EQ(allocation.source(), v1::ALLOCATION_SOURCE_PREPAYMENT);
    EXPECT_EQ(allocation.state(), v1::ALLOCATION_STATE_APPLIED);
  }
  EXPECT_TRUE(SameMessage(Get(second.id()), applied.invoice()));
  open = Prepayments(customer_.id());
  EXPECT_EQ(open.payments_size(), 0);
  EXPECT_EQ(open.total_open().minor_units(), 0);
  EXPECT_EQ(open.total_open().currency_code(), "CHF");

  // Nothing open any more: refused, nothing changes.
  Rows before = CountRows();
  status = Apply(payment.id(), second.id(), std::nullopt, &applied);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "BP-8");
  EXPECT_TRUE(CountRows() == before);
  ExpectLedgerClean();
}

// BP-8 with an amount: part of a prepayment goes onto a FINAL or REISSUE
// invoice of the same customer. More than is open or outstanding, a DRAFT
// or VOID invoice, another customer's invoice: refused, nothing changes.
TEST_F(PaymentTest, PartialPrepaymentAndItsRefusals) {  // BP-8, LC-3
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 50000);
  v1::Invoice invoice = Final(30000);
  v1::ApplyPrepaymentResponse applied;
  grpc::Status status = Apply(payment.id(), invoice.id(), 12000, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(applied.invoice().applied().minor_units(), 12000);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 18000);
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 38000);
  EXPECT_EQ(Prepayments(customer_.id()).total_open().minor_units(), 38000);
  ExpectLedgerClean();

  v1::Invoice small = Final(1000);
  v1::Invoice draft = NewInvoice(clerk_, customer_.id());
  v1::Invoice voided = Moved(NewInvoice(clerk_, customer_.id()), Move::kVoid);
  v1::Customer other = NewCustomer(clerk_);
  v1::Invoice others = Final(5000, other.id());
  struct Case {
    const char* what;
    std::string invoice_id;
    std::optional<int64_t> amount;
    StatusCode code;
    std::string field_or_rule;
  };
  const std::vector<Case> cases = {
      {"more than open", invoice.id(), 38001, StatusCode::INVALID_ARGUMENT, "amount.minor_units"},
      {"more than outstanding", small.id(), 1001, StatusCode::INVALID_ARGUMENT, "amount.minor_units"},
      {"zero", small.id(), 0, StatusCode::INVALID_ARGUMENT, "amount.minor_units"},
      {"draft", draft.id(), std::nullopt, StatusCode::FAILED_PRECONDITION, "LC-3"},
      {"void", voided.id(), std::nullopt, StatusCode::FAILED_PRECONDITION, "LC-3"},
      {"another customer's", others.id(), std::nullopt, StatusCode::INVALID_ARGUMENT, "invoice_id"},
      {"no such invoice", "987654321", std::nullopt, StatusCode::INVALID_ARGUMENT, "invoice_id"},
  };
  Rows before = CountRows();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::Invoice invoice_before;
    if (c.invoice_id != "987654321") invoice_before = Get(c.invoice_id);
    status = Apply(payment.id(), c.invoice_id, c.amount, &applied);
    EXPECT_EQ(status.error_code(), c.code) << StatusText(status);
    if (c.code == StatusCode::INVALID_ARGUMENT)
      EXPECT_THAT(ViolationFields(status), ElementsAre(c.field_or_rule));
    else
      EXPECT_EQ(PreconditionRule(status), c.field_or_rule);
    if (c.invoice_id != "987654321") {
      EXPECT_TRUE(SameMessage(Get(c.invoice_id), invoice_before));
    }
  }
  EXPECT_TRUE(CountRows() == before);
  EXPECT_EQ(Payment(payment.id()).unapplied().minor_units(), 38000);

  // A REISSUE invoice takes a prepayment too.
  v1::Invoice reissue = Moved(Final(20000), Move::kReissue);
  status = Apply(payment.id(), reissue.id(), 5000, &applied);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(applied.invoice().state(), v1::INVOICE_STATE_REISSUE);
  EXPECT_EQ(applied.invoice().outstanding().minor_units(), 15000);
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 33000);
  // Going back to DRAFT releases it again (BP-8), reason naming the move.
  v1::Invoice draft_again = Moved(applied.invoice(), Move::kRevertToDraft);
  EXPECT_EQ(draft_again.applied().minor_units(), 0);
  v1::Payment now = Payment(payment.id());
  EXPECT_EQ(now.unapplied().minor_units(), 38000);
  const v1::PaymentAllocation* released = AllocationTo(now, reissue.id(), v1::ALLOCATION_SOURCE_PREPAYMENT);
  ASSERT_NE(released, nullptr);
  EXPECT_EQ(released->state(), v1::ALLOCATION_STATE_RELEASED);
  EXPECT_THAT(released->end_reason(), HasSubstr("REISSUE"));
  EXPECT_THAT(released->end_reason(), HasSubstr("DRAFT"));
  EXPECT_THAT(released->end_reason(), HasSubstr(reissue.number()));
  EXPECT_FALSE(now.all_invoices_reverted());  // it was never recorded on an invoice
  ExpectLedgerClean();
}

// ReversePayment: every applied allocation (recorded or from the
// prepayment) is REVERSED with the reason, the invoices' outstanding grows
// back, the prepayment closes; a second reversal is refused (BP-12), as
// are a stale version (ABORTED), no reason, and applying the prepayment of
// a reversed payment (BP-8). Released allocations stay RELEASED.
TEST_F(PaymentTest, ReversePaymentPutsOutstandingBack) {  // BP-12, LC-3, BP-8
  v1::Invoice a = Final(10000), b = Final(20000), c = Final(30000), d = Final(5000);
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 50000, {{a.id(), 10000}, {b.id(), 15000}, {d.id(), 5000}});
  v1::ApplyPrepaymentResponse applied;
  ASSERT_TRUE(Apply(payment.id(), c.id(), 8000, &applied).ok());
  EXPECT_EQ(applied.payment().unapplied().minor_units(), 12000);
  Moved(Get(d.id()), Move::kRevertToDraft);  // d's 50.00 back to the prepayment
  payment = Payment(payment.id());
  EXPECT_EQ(payment.unapplied().minor_units(), 17000);
  ExpectLedgerClean();

  v1::Payment stale_result;
  v1::Payment stale = payment;
  stale.set_version(payment.version() - 1);
  grpc::Status status = Reverse(stale, &stale_result);
  EXPECT_EQ(status.error_code(), StatusCode::ABORTED) << StatusText(status);
  status = Reverse(payment, &stale_result, "");
  EXPECT_THAT(ViolationFields(status), ElementsAre("reason"));
  EXPECT_TRUE(SameMessage(Payment(payment.id()), payment));

  v1::Payment reversed;
  status = Reverse(payment, &reversed, "check bounced");
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(reversed.state(), v1::PAYMENT_STATE_REVERSED);
  EXPECT_EQ(reversed.reversal_reason(), "check bounced");
  EXPECT_EQ(reversed.unapplied().minor_units(), 0);
  EXPECT_EQ(reversed.amount().minor_units(), 50000);
  EXPECT_GT(reversed.version(), payment.version());
  ASSERT_EQ(reversed.allocations_size(), 4);
  for (const v1::PaymentAllocation& allocation : reversed.allocations()) {
    SCOPED_TRACE(allocation.invoice_id());
    if (allocation.invoice_id() == d.id()) {
      EXPECT_EQ(allocation.state(), v1::ALLOCATION_STATE_RELEASED);
    } else {
      EXPECT_EQ(allocation.state(), v1::ALLOCATION_STATE_REVERSED);
      EXPECT_EQ(allocation.end_reason(), "check bounced");
      EXPECT_TRUE(allocation.has_end_time());
    }
  }
  for (const v1::Invoice& invoice : {a, b, c}) {
    v1::Invoice now = Get(invoice.id());
    EXPECT_EQ(now.applied().minor_units(), 0) << invoice.number();
    EXPECT_EQ(now.outstanding().minor_units(), invoice.total().minor_units()) << invoice.number();
    EXPECT_EQ(now.state(), v1::INVOICE_STATE_FINAL);
  }
  EXPECT_EQ(Prepayments(customer_.id()).payments_size(), 0);
  EXPECT_EQ(PaymentAudits(payment.id(), "ReversePayment", 17000, 0), 1);
  ExpectLedgerClean();

  Rows before = CountRows();
  v1::Payment again;
  status = Reverse(reversed, &again);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "BP-12");
  status = Apply(payment.id(), c.id(), std::nullopt, &applied);
  EXPECT_EQ(status.error_code(), StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "BP-8");
  EXPECT_TRUE(CountRows() == before);
  EXPECT_TRUE(SameMessage(Payment(payment.id()), reversed));

  // With nothing applied any more, the FINAL invoice may be voided.
  EXPECT_EQ(Moved(Get(a.id()), Move::kVoid).state(), v1::INVOICE_STATE_VOID);
  ExpectLedgerClean();
}

// Every refusal of RecordPayment names its field (INVALID_ARGUMENT) or its
// rule (FAILED_PRECONDITION LC-3 for an invoice that is not FINAL), and
// stores nothing: no payment, no allocation, no audit row, no event, every
// invoice as it was.
TEST_F(PaymentTest, RefusedPaymentsStoreNothing) {  // LC-3
  v1::Invoice a = Final(10000), b = Final(5000);
  v1::Customer other = NewCustomer(clerk_);
  v1::Invoice others = Final(10000, other.id());
  v1::Invoice draft = NewInvoice(clerk_, customer_.id());
  v1::Invoice reissue = Moved(Final(10000), Move::kReissue);
  v1::Invoice voided = Moved(Final(10000), Move::kVoid);
  v1::CreateCompanyResponse foreign_company = NewCompany();
  v1::Customer foreign_customer = NewCustomer(foreign_company.admin_key_secret());
  v1::Invoice foreign = NewFinalInvoice(foreign_company.admin_key_secret(), foreign_customer.id());

  struct Case {
    const char* what;
    v1::RecordPaymentRequest request;
    StatusCode code;
    std::vector<std::string> fields;  // exactly these, for INVALID_ARGUMENT
    std::string rule;                 // for FAILED_PRECONDITION
  };
  const std::string me = customer_.id();
  std::vector<Case> cases = {
      {"sum over amount",
       PaymentRequest(me, 10000, {{a.id(), 6000}, {b.id(), 5000}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations"},
       ""},
      {"over outstanding",
       PaymentRequest(me, 20000, {{a.id(), 10000}, {b.id(), 5001}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations[1].amount.minor_units"},
       ""},
      {"currency", PaymentRequest(me, 10000, {}, "EUR"), StatusCode::INVALID_ARGUMENT, {"amount.currency_code"}, ""},
      {"another customer's invoice",
       PaymentRequest(me, 10000, {{others.id(), 1000}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations[0].invoice_id"},
       ""},
      {"another company's invoice",
       PaymentRequest(me, 10000, {{foreign.id(), 1000}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations[0].invoice_id"},
       ""},
      {"same invoice twice",
       PaymentRequest(me, 10000, {{a.id(), 1000}, {a.id(), 1000}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations[1].invoice_id"},
       ""},
      {"zero amount", PaymentRequest(me, 0, {}), StatusCode::INVALID_ARGUMENT, {"amount.minor_units"}, ""},
      {"zero allocation",
       PaymentRequest(me, 1000, {{a.id(), 0}}),
       StatusCode::INVALID_ARGUMENT,
       {"allocations[0].amount.minor_units"},
       ""},
      {"no such customer", PaymentRequest("987654321", 1000, {}), StatusCode::INVALID_ARGUMENT, {"customer_id"}, ""},
      {"draft invoice",
       PaymentRequest(me, 10000, {{a.id(), 1000}, {draft.id(), 1000}}),
       StatusCode::FAILED_PRECONDITION,
       {},
       "LC-3"},
      {"reissue invoice",
       PaymentRequest(me, 10000, {{reissue.id(), 1000}}),
       StatusCode::FAILED_PRECONDITION,
       {},
       "LC-3"},
      {"void invoice", PaymentRequest(me, 10000, {{voided.id(), 1000}}), StatusCode::FAILED_PRECONDITION, {}, "LC-3"},
  };
  // The currency mismatch with an allocation names the amount's currency
  // (and may name the allocation as well).
  Case currency_with_allocation{"currency with allocation",
                                PaymentRequest(me, 10000, {{a.id(), 1000}}, "EUR"),
                                StatusCode::INVALID_ARGUMENT,
                                {},
                                ""};

  std::vector<std::string> invoice_ids = {a.id(), b.id(), others.id(), draft.id(), reissue.id(), voided.id()};
  std::vector<v1::Invoice> invoices_before;
  for (const std::string& id : invoice_ids) invoices_before.push_back(Get(id));
  Rows before = CountRows();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    v1::Payment response;
    grpc::Status status = Record(c.request, &response);
    EXPECT_EQ(status.error_code(), c.code) << StatusText(status);
    if (c.code == StatusCode::INVALID_ARGUMENT)
      EXPECT_EQ(ViolationFields(status), c.fields) << StatusText(status);
    else
      EXPECT_EQ(PreconditionRule(status), c.rule) << StatusText(status);
  }
  {
    v1::Payment response;
    grpc::Status status = Record(currency_with_allocation.request, &response);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(ViolationFields(status), Contains("amount.currency_code"));
  }
  EXPECT_TRUE(CountRows() == before);
  for (size_t i = 0; i < invoice_ids.size(); ++i) EXPECT_TRUE(SameMessage(Get(invoice_ids[i]), invoices_before[i]));
  EXPECT_EQ(Count("SELECT count(*) FROM payments WHERE company_id = " + foreign_company.company().id()), 0);
  ExpectLedgerClean();

  // The same payment, put right, is taken.
  v1::Payment accepted;
  grpc::Status status = Record(PaymentRequest(me, 15000, {{a.id(), 10000}, {b.id(), 5000}}), &accepted);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(accepted.unapplied().minor_units(), 0);
  EXPECT_EQ(accepted.method(), v1::PAYMENT_METHOD_CHECK);
  EXPECT_EQ(accepted.reference(), "check 1001");
  EXPECT_EQ(accepted.received_date().year(), 2024);
  EXPECT_EQ(accepted.received_date().month(), 4);
  EXPECT_EQ(accepted.received_date().day(), 2);
  // Now a has nothing outstanding: one more cent is over the outstanding.
  v1::Payment response;
  status = Record(PaymentRequest(me, 1, {{a.id(), 1}}), &response);
  EXPECT_THAT(ViolationFields(status), ElementsAre("allocations[0].amount.minor_units"));
  ExpectLedgerClean();
}

// ListPrepayments: the customer's payments with something open, oldest
// first, and their sum; not other customers', not reversed or fully applied
// ones. The customer is required and must exist.
TEST_F(PaymentTest, ListPrepaymentsTotals) {  // BP-8
  v1::Invoice invoice = Final(10000);
  v1::Payment first = NewPayment(clerk_, customer_.id(), 1000);
  v1::Payment full = NewPayment(clerk_, customer_.id(), 10000, {{invoice.id(), 10000}});
  v1::Payment second = NewPayment(clerk_, customer_.id(), 2550);
  v1::Payment reversed = NewPayment(clerk_, customer_.id(), 7000);
  v1::Payment ignored;
  ASSERT_TRUE(Reverse(reversed, &ignored).ok());
  v1::Customer other = NewCustomer(clerk_);
  NewPayment(clerk_, other.id(), 99900);

  v1::ListPrepaymentsResponse open = Prepayments(customer_.id());
  ASSERT_EQ(open.payments_size(), 2);
  EXPECT_EQ(open.payments(0).id(), first.id());
  EXPECT_EQ(open.payments(1).id(), second.id());
  EXPECT_EQ(open.payments(1).unapplied().minor_units(), 2550);
  EXPECT_EQ(open.total_open().minor_units(), 3550);
  EXPECT_EQ(open.total_open().currency_code(), "CHF");
  EXPECT_EQ(Prepayments(other.id()).total_open().minor_units(), 99900);

  v1::ListPrepaymentsRequest request;
  v1::ListPrepaymentsResponse response;
  grpc::Status status = api().payments().ListPrepayments(ApiClient::Context(clerk_).get(), request, &response);
  EXPECT_THAT(ViolationFields(status), ElementsAre("customer_id"));
  request.set_customer_id("987654321");
  status = api().payments().ListPrepayments(ApiClient::Context(clerk_).get(), request, &response);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << StatusText(status);

  v1::ListPaymentsRequest list;
  list.set_customer_id(customer_.id());
  v1::ListPaymentsResponse listed;
  ASSERT_TRUE(api().payments().ListPayments(ApiClient::Context(clerk_).get(), list, &listed).ok());
  std::vector<std::string> ids;
  for (const v1::Payment& payment : listed.payments()) ids.push_back(payment.id());
  EXPECT_THAT(ids, ElementsAre(first.id(), full.id(), second.id(), reversed.id()));

  v1::CheckLedgerResponse report = CheckLedger(admin_);
  EXPECT_TRUE(report.clean()) << LedgerText(report);
  EXPECT_EQ(report.payments_checked(), 5);
  EXPECT_EQ(report.invoices_checked(), 1);
}

// BP-6: another company's key gets NOT_FOUND for a payment, cannot apply,
// reverse or list it, and its ledger check does not see it; the operator
// checks a named company's ledger.
TEST_F(PaymentTest, PaymentsAreInvisibleToOtherCompanies) {  // BP-6
  v1::Invoice invoice = Final(10000);
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 15000, {{invoice.id(), 10000}});
  v1::CreateCompanyResponse other = NewCompany();
  const std::string& key = other.admin_key_secret();
  v1::Customer other_customer = NewCustomer(key);
  v1::Invoice other_invoice = NewFinalInvoice(key, other_customer.id());

  v1::GetPaymentRequest get;
  get.set_payment_id(payment.id());
  v1::Payment response;
  grpc::Status status = api().payments().GetPayment(ApiClient::Context(key).get(), get, &response);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << StatusText(status);
  status = Reverse(payment, &response, "not mine", key);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << StatusText(status);
  v1::ApplyPrepaymentResponse applied;
  status = Apply(payment.id(), other_invoice.id(), std::nullopt, &applied, key);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND) << StatusText(status);
  v1::ListPaymentsResponse listed;
  ASSERT_TRUE(api().payments().ListPayments(ApiClient::Context(key).get(), v1::ListPaymentsRequest(), &listed).ok());
  EXPECT_EQ(listed.payments_size(), 0);
  v1::CheckLedgerResponse report = CheckLedger(key);
  EXPECT_TRUE(report.clean()) << LedgerText(report);
  EXPECT_EQ(report.payments_checked(), 0);
  EXPECT_EQ(report.invoices_checked(), 1);
  EXPECT_TRUE(SameMessage(Payment(payment.id()), payment));

  v1::CheckLedgerRequest operator_request;
  operator_request.set_company_id(company_.company().id());
  v1::CheckLedgerResponse operator_report;
  status = api().admin().CheckLedger(ApiClient::Context(kOperatorKey).get(), operator_request, &operator_report);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(operator_report.clean());
  EXPECT_EQ(operator_report.payments_checked(), 1);
  EXPECT_EQ(operator_report.invoices_checked(), 1);
}

// Roles: a VIEWER reads payments but cannot record, apply or reverse one
// (PERMISSION_DENIED, nothing stored); only an ADMIN checks the ledger.
TEST_F(PaymentTest, ViewerReadsButCannotChangePayments) {  // BP-8
  std::string viewer = NewKey(admin_, v1::ROLE_VIEWER);
  v1::Invoice invoice = Final(10000);
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 5000);
  Rows before = CountRows();
  v1::Payment response;
  grpc::Status status = Record(PaymentRequest(customer_.id(), 1000, {{invoice.id(), 1000}}), &response, viewer);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
  v1::ApplyPrepaymentResponse applied;
  status = Apply(payment.id(), invoice.id(), std::nullopt, &applied, viewer);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
  status = Reverse(payment, &response, "no", viewer);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
  EXPECT_TRUE(CountRows() == before);
  EXPECT_TRUE(SameMessage(GetPayment(viewer, payment.id()), payment));

  v1::CheckLedgerResponse report;
  status = api().admin().CheckLedger(ApiClient::Context(clerk_).get(), v1::CheckLedgerRequest(), &report);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
  status = api().admin().CheckLedger(ApiClient::Context(viewer).get(), v1::CheckLedgerRequest(), &report);
  EXPECT_EQ(status.error_code(), StatusCode::PERMISSION_DENIED) << StatusText(status);
}

// request_id is optional, as on every mutating RPC: without one, each call
// is a payment of its own (the server cannot tell a retry from a second
// payment of the same amount; the API documents to send one).
TEST_F(PaymentTest, PaymentsWithoutRequestIdAreEachRecorded) {  // LC-3
  v1::Invoice invoice = Final(10000);
  v1::RecordPaymentRequest request = PaymentRequest(customer_.id(), 3000, {{invoice.id(), 3000}});
  request.clear_request_id();
  v1::Payment first, second;
  ASSERT_TRUE(Record(request, &first).ok());
  grpc::Status status = Record(request, &second);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_NE(first.id(), second.id());
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), 4000);
  ExpectLedgerClean();
}

// A retried RecordPayment (same request_id), one after the other or several
// at once, answers the same payment and records it once: one payment, one
// allocation, the invoice paid once.
TEST_F(PaymentTest, RetriedRecordPaymentRecordsOnce) {  // LC-3
  v1::Invoice invoice = Final(10000);
  v1::RecordPaymentRequest request = PaymentRequest(customer_.id(), 6000, {{invoice.id(), 4000}});
  request.set_request_id(Unique("payment"));
  v1::Payment first, second;
  ASSERT_TRUE(Record(request, &first).ok());
  grpc::Status status = Record(request, &second);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(SameMessage(first, second));
  EXPECT_EQ(Count("SELECT count(*) FROM payments" + Where()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM payment_allocations" + Where()), 1);
  EXPECT_EQ(Get(invoice.id()).applied().minor_units(), 4000);

  constexpr int kClients = 5;
  request.set_request_id(Unique("payment"));
  std::vector<grpc::Status> statuses(kClients);
  std::vector<v1::Payment> responses(kClients);
  RunConcurrently(kClients, [&](int i) { statuses[i] = Record(request, &responses[i]); });
  std::set<std::string> ids;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << StatusText(statuses[i]);
    if (statuses[i].ok()) ids.insert(responses[i].id());
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM payments" + Where()), 2);
  EXPECT_EQ(Get(invoice.id()).applied().minor_units(), 8000);

  // The request_id of another request is refused, and records nothing.
  v1::RecordPaymentRequest different = PaymentRequest(customer_.id(), 100, {});
  different.set_request_id(request.request_id());
  v1::Payment response;
  status = Record(different, &response);
  EXPECT_THAT(ViolationFields(status), ElementsAre("request_id"));
  EXPECT_EQ(Count("SELECT count(*) FROM payments" + Where()), 2);
  ExpectLedgerClean();
}

// Retried ApplyPrepayment, ReversePayment and RevertInvoiceToDraft (same
// request_id) answer the first result and move the money once.
TEST_F(PaymentTest, RetriedPaymentMovesApplyOnce) {  // BP-8, BP-12
  v1::Invoice invoice = Final(10000);
  v1::Payment payment = NewPayment(clerk_, customer_.id(), 50000);
  v1::ApplyPrepaymentRequest apply;
  apply.set_payment_id(payment.id());
  apply.set_invoice_id(invoice.id());
  apply.mutable_amount()->set_minor_units(3000);
  apply.set_request_id(Unique("apply"));
  v1::ApplyPrepaymentResponse first, second;
  ASSERT_TRUE(api().payments().ApplyPrepayment(ApiClient::Context(clerk_).get(), apply, &first).ok());
  grpc::Status status = api().payments().ApplyPrepayment(ApiClient::Context(clerk_).get(), apply, &second);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(SameMessage(first, second));
  EXPECT_EQ(Payment(payment.id()).unapplied().minor_units(), 47000);
  EXPECT_EQ(Get(invoice.id()).applied().minor_units(), 3000);

  v1::Invoice current = Get(invoice.id());
  const std::string revert_id = Unique("revert");
  v1::Invoice reverted, reverted_again;
  ASSERT_TRUE(
      MoveInvoice(clerk_, Move::kRevertToDraft, current.id(), current.version(), &reverted, "", revert_id).ok());
  status = MoveInvoice(clerk_, Move::kRevertToDraft, current.id(), current.version(), &reverted_again, "", revert_id);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(SameMessage(reverted, reverted_again));
  EXPECT_EQ(Payment(payment.id()).unapplied().minor_units(), 50000);  // released once

  v1::ReversePaymentRequest reverse;
  reverse.set_payment_id(payment.id());
  reverse.set_version(Payment(payment.id()).version());
  reverse.set_reason("refunded");
  reverse.set_request_id(Unique("reverse"));
  v1::Payment once, twice;
  ASSERT_TRUE(api().payments().ReversePayment(ApiClient::Context(clerk_).get(), reverse, &once).ok());
  status = api().payments().ReversePayment(ApiClient::Context(clerk_).get(), reverse, &twice);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_TRUE(SameMessage(once, twice));
  EXPECT_EQ(once.state(), v1::PAYMENT_STATE_REVERSED);
  EXPECT_EQ(Count("SELECT count(*) FROM lifecycle_events" + Where() + " AND kind = 'payment.reversed'"), 1);
  ExpectLedgerClean();
}

// LC-3 under concurrency: clients that each pay the whole outstanding of one
// invoice at the same time; one payment is taken, the others are refused
// as over the outstanding, and the invoice is never overpaid.
TEST_F(PaymentTest, ConcurrentPaymentsNeverOverpayAnInvoice) {  // LC-3
  constexpr int kClients = 5;
  v1::Invoice invoice = Final(10000);
  std::vector<grpc::Status> statuses(kClients);
  std::vector<v1::Payment> responses(kClients);
  RunConcurrently(kClients, [&](int i) {
    statuses[i] = Record(PaymentRequest(customer_.id(), 10000, {{invoice.id(), 10000}}), &responses[i]);
  });
  int taken = 0;
  for (int i = 0; i < kClients; ++i) {
    if (statuses[i].ok()) {
      ++taken;
      continue;
    }
    EXPECT_EQ(statuses[i].error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(statuses[i]);
    EXPECT_THAT(ViolationFields(statuses[i]), ElementsAre("allocations[0].amount.minor_units"));
  }
  EXPECT_EQ(taken, 1);
  v1::Invoice now = Get(invoice.id());
  EXPECT_EQ(now.applied().minor_units(), 10000);
  EXPECT_EQ(now.outstanding().minor_units(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM payments" + Where()), 1);
  ExpectLedgerClean();
}

// Several clients at once record payments, apply prepayments, reverse
// payments and move invoices of one customer back and forth. Each call is
// accepted or refused cleanly (never INTERNAL, UNKNOWN or a timeout, i.e.
// no deadlock), and afterwards the ledger is clean, by CheckLedger and as
// the client adds it up.
TEST_F(PaymentTest, ConcurrentOperationsKeepTheLedgerClean) {  // LC-3, BP-8, BP-10, BP-12
  constexpr int kClients = 4;
  constexpr int kOperations = 25;
  std::vector<std::string> invoice_ids, payment_ids;
  for (int i = 0; i < 6; ++i) invoice_ids.push_back(Final(10000 + 1000 * i).id());
  for (int i = 0; i < 3; ++i) payment_ids.push_back(NewPayment(clerk_, customer_.id(), 30000).id());
  std::vector<std::map<int, int>> codes(kClients);  // per client: status code -> count
  RunConcurrently(kClients, [&](int client) {
    std::mt19937 random(1000 + client);
    auto uniform = [&](int64_t low, int64_t high) {
      return std::uniform_int_distribution<int64_t>(low, high)(random);
    };
    for (int op = 0; op < kOperations; ++op) {
      const std::string invoice_id = invoice_ids[uniform(0, invoice_ids.size() - 1)];
      const std::string payment_id = payment_ids[uniform(0, payment_ids.size() - 1)];
      grpc::Status status;
      const int64_t roll = uniform(0, 99);
      if (roll < 30) {
        int64_t amount = uniform(1, 6000);
        v1::Payment response;
        status =
            Record(PaymentRequest(customer_.id(), amount + uniform(0, 1) * 500, {{invoice_id, amount}}), &response);
      } else if (roll < 50) {
        v1::ApplyPrepaymentResponse response;
        status = Apply(payment_id, invoice_id, std::nullopt, &response);
      } else if (roll < 54) {
        v1::GetPaymentRequest get;
        get.set_payment_id(payment_id);
        v1::Payment payment, response;
        status = api().payments().GetPayment(ApiClient::Context(clerk_).get(), get, &payment);
        if (status.ok()) status = Reverse(payment, &response, "concurrent reversal");
      } else {
        const Move moves[] = {Move::kRevertToDraft, Move::kReissue, Move::kFinalize, Move::kFinalize};
        v1::GetInvoiceRequest get;
        get.set_invoice_id(invoice_id);
        v1::Invoice invoice;
        status = api().invoices().GetInvoice(ApiClient::Context(clerk_).get(), get, &invoice);
        if (status.ok()) status = MoveInvoice(clerk_, moves[uniform(0, 3)], invoice_id, invoice.version());
      }
      ++codes[client][static_cast<int>(status.error_code())];
    }
  });
  std::map<int, int> all;
  for (const auto& per_client : codes)
    for (const auto& [code, count] : per_client) all[code] += count;
  std::string summary;
  for (const auto& [code, count] : all) summary += std::to_string(code) + ":" + std::to_string(count) + " ";
  const std::set<int> clean_codes = {static_cast<int>(StatusCode::OK), static_cast<int>(StatusCode::ABORTED),
                                     static_cast<int>(StatusCode::FAILED_PRECONDITION),
                                     static_cast<int>(StatusCode::INVALID_ARGUMENT)};
  for (const auto& [code, count] : all) EXPECT_TRUE(clean_codes.count(code)) << "status " << code << " x" << count;
  EXPECT_GT(all[static_cast<int>(StatusCode::OK)], kClients * kOperations / 4) << summary;
  ExpectLedgerClean();
  CheckLedgerFromOutside();
}

// A seeded random run of a few hundred operations over two customers:
// create and finalize, record payments with random allocations, apply
// prepayments, reverse, revert to draft, reissue, refinalize, void, edit,
// stale versions. Before each operation the client works out from what it
// read whether the server must accept or refuse it (and with what); after
// each, CheckLedger is clean; every 25 steps the client adds the ledger up
// itself from ListInvoices and ListPayments.
class PaymentRandomRunTest : public PaymentTest {
 protected:
  struct Expect {
    StatusCode code = StatusCode::OK;
    std::string rule_or_field;
  };

  void Check(const grpc::Status& status, const Expect& expect) {
    EXPECT_EQ(status.error_code(), expect.code) << StatusText(status);
    if (expect.code == StatusCode::FAILED_PRECONDITION) {
      EXPECT_EQ(PreconditionRule(status), expect.rule_or_field) << StatusText(status);
    }
    if (expect.code == StatusCode::INVALID_ARGUMENT) {
      EXPECT_THAT(ViolationFields(status), Contains(expect.rule_or_field)) << StatusText(status);
    }
  }
};

TEST_F(PaymentRandomRunTest, LedgerStaysCleanThroughARandomRun) {  // LC-3, BP-8, BP-10, BP-12, LC-1, LIFECYCLE
  constexpr int kSteps = 300;
  const auto started = std::chrono::steady_clock::now();
  std::mt19937 random(20240611);
  auto uniform = [&](int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random); };
  const std::vector<std::string> customers = {customer_.id(), NewCustomer(clerk_).id()};
  std::map<std::string, std::vector<std::string>> invoices, payments;  // by customer
  std::map<std::string, int> ops, accepted;

  auto random_lines = [&] {
    std::vector<v1::InvoiceLine> lines;
    const char* rates[] = {"0", "7.7", "8.1", "2.5"};
    int64_t count = uniform(1, 3);
    for (int64_t i = 0; i < count; ++i)
      lines.push_back(Line("Item " + std::to_string(i), std::to_string(uniform(1, 4)),
                           uniform(0, 9) == 0 ? 0 : uniform(1, 40000), rates[uniform(0, 3)]));
    return lines;
  };
  auto pick = [&](const std::vector<std::string>& from) { return from[uniform(0, from.size() - 1)]; };

  for (int step = 0; step < kSteps && !HasFailure(); ++step) {
    const std::string customer = customers[uniform(0, 1)];
    const int64_t roll = uniform(0, 99);
    std::string op;
    Expect expect;
    grpc::Status status;
    if (invoices[customer].empty() || roll < 18) {
      op = "create+finalize";
      v1::Invoice invoice = NewFinalInvoice(clerk_, customer, random_lines());
      invoices[customer].push_back(invoice.id());
      status = invoice.state() == v1::INVOICE_STATE_FINAL ? grpc::Status::OK
                                                          : grpc::Status(grpc::StatusCode::UNKNOWN, "not final");
    } else if (roll < 40) {
      op = "record payment";
      std::vector<std::pair<std::string, int64_t>> allocations;
      std::set<std::string> chosen;
      int64_t sum = 0;
      const int64_t wanted = uniform(0, 3);
      const bool break_it = uniform(0, 9) == 0;
      for (int64_t i = 0; i < wanted; ++i) {
        std::string id = pick(invoices[customer]);
        if (!chosen.insert(id).second) continue;
        v1::Invoice invoice = Get(id);
        int64_t outstanding = invoice.outstanding().minor_units();
        if (invoice.state() == v1::INVOICE_STATE_FINAL && outstanding > 0) {
          int64_t amount = uniform(1, outstanding);
          allocations.push_back({id, amount});
          sum += amount;
        } else if (break_it && expect.code == StatusCode::OK) {
          // An invoice that takes nothing: not FINAL (the state is the
          // refusal), or FINAL with nothing outstanding.
          allocations.push_back({id, 1});
          sum += 1;
          expect = invoice.state() == v1::INVOICE_STATE_FINAL
                       ? Expect{StatusCode::INVALID_ARGUMENT,
                                "allocations[" + std::to_string(allocations.size() - 1) + "].amount.minor_units"}
                       : Expect{StatusCode::FAILED_PRECONDITION, "LC-3"};
        }
      }
      int64_t amount = sum + (uniform(0, 2) == 0 ? 0 : uniform(1, 30000));
      if (amount == 0) amount = uniform(1, 30000);
      if (break_it && expect.code == StatusCode::OK && sum > 0) {
        amount = sum - 1 > 0 ? sum - 1 : amount;
        if (amount < sum) expect = {StatusCode::INVALID_ARGUMENT, "allocations"};
      }
      v1::Payment payment;
      status = Record(PaymentRequest(customer, amount, allocations), &payment);
      if (status.ok()) {
        payments[customer].push_back(payment.id());
        EXPECT_EQ(payment.unapplied().minor_units(), amount - sum);
      }
    } else if (roll < 55) {
      op = "apply prepayment";
      if (payments[customer].empty()) continue;
      v1::Payment payment = Payment(pick(payments[customer]));
      v1::Invoice invoice = Get(pick(invoices[customer]));
      const bool with_amount = uniform(0, 1) == 0;
      const int64_t room = std::min(payment.unapplied().minor_units(), invoice.outstanding().minor_units());
      std::optional<int64_t> amount;
      if (with_amount && room > 0) amount = uniform(1, room);
      if (payment.state() == v1::PAYMENT_STATE_REVERSED)
        expect = {StatusCode::FAILED_PRECONDITION, "BP-8"};
      else if (invoice.state() != v1::INVOICE_STATE_FINAL && invoice.state() != v1::INVOICE_STATE_REISSUE)
        expect = {StatusCode::FAILED_PRECONDITION, "LC-3"};
      else if (room == 0)
        expect = {StatusCode::FAILED_PRECONDITION, "BP-8"};
      v1::ApplyPrepaymentResponse response;
      status = Apply(payment.id(), invoice.id(), amount, &response);
      if (status.ok()) {
        const int64_t applied = amount.value_or(room);
        EXPECT_EQ(response.payment().unapplied().minor_units(), payment.unapplied().minor_units() - applied);
        EXPECT_EQ(response.invoice().applied().minor_units(), invoice.applied().minor_units() + applied);
      }
    } else if (roll < 62) {
      op = "reverse payment";
      if (payments[customer].empty()) continue;
      v1::Payment payment = Payment(pick(payments[customer]));
      if (payment.state() == v1::PAYMENT_STATE_REVERSED) expect = {StatusCode::FAILED_PRECONDITION, "BP-12"};
      v1::Payment response;
      status = Reverse(payment, &response, "random reversal");
      if (status.ok()) {
        EXPECT_EQ(response.unapplied().minor_units(), 0);
        for (const v1::PaymentAllocation& allocation : response.allocations())
          EXPECT_NE(allocation.state(), v1::ALLOCATION_STATE_APPLIED);
      }
    } else if (roll < 95) {
      const Move moves[] = {Move::kRevertToDraft, Move::kReissue, Move::kFinalize, Move::kVoid};
      const Move move = moves[uniform(0, 3)];
      op = MoveName(move);
      v1::Invoice invoice = Get(pick(invoices[customer]));
      const v1::InvoiceState state = invoice.state();
      bool allowed = false;
      switch (move) {
        case Move::kFinalize: allowed = state == v1::INVOICE_STATE_DRAFT || state == v1::INVOICE_STATE_REISSUE; break;
        case Move::kReissue: allowed = state == v1::INVOICE_STATE_FINAL; break;
        case Move::kRevertToDraft:
          allowed = state == v1::INVOICE_STATE_FINAL || state == v1::INVOICE_STATE_REISSUE;
          break;
        case Move::kVoid:
          allowed = state == v1::INVOICE_STATE_DRAFT ||
                    (state == v1::INVOICE_STATE_FINAL && invoice.applied().minor_units() == 0);
          break;
      }
      if (!allowed) expect = {StatusCode::FAILED_PRECONDITION, "LIFECYCLE"};
      v1::Invoice response;
      status = MoveInvoice(clerk_, move, invoice.id(), invoice.version(), &response, "random void");
      if (status.ok()) {
        EXPECT_EQ(response.number().empty(), invoice.number().empty() && move != Move::kFinalize);
        if (!invoice.number().empty()) {
          EXPECT_EQ(response.number(), invoice.number());
        }
        if (move == Move::kRevertToDraft || move == Move::kReissue) {
          EXPECT_EQ(response.applied().minor_units(), 0);
        }
        if (move == Move::kFinalize) {
          EXPECT_EQ(response.nothing_to_send(), response.outstanding().minor_units() == 0);
        }
      }
    } else if (roll < 98) {
      op = "edit";
      v1::Invoice invoice = Get(pick(invoices[customer]));
      v1::UpdateInvoiceRequest request;
      request.set_invoice_id(invoice.id());
      request.set_version(invoice.version());
      int64_t total = uniform(0, 60000);
      *request.add_lines() = Line("Edited", "1", total, "0");
      request.mutable_update_mask()->add_paths("lines");
      if (invoice.state() == v1::INVOICE_STATE_FINAL || invoice.state() == v1::INVOICE_STATE_VOID)
        expect = {StatusCode::FAILED_PRECONDITION, "LC-1"};
      else if (total < invoice.applied().minor_units())
        expect = {StatusCode::FAILED_PRECONDITION, "LC-3"};
      v1::Invoice response;
      status = api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), request, &response);
      if (status.ok()) {
        EXPECT_EQ(response.outstanding().minor_units(), total - invoice.applied().minor_units());
      }
    } else {
      op = "stale move";
      v1::Invoice invoice = Get(pick(invoices[customer]));
      expect = {StatusCode::ABORTED, ""};
      status = MoveInvoice(clerk_, Move::kRevertToDraft, invoice.id(), invoice.version() + 1);
    }
    SCOPED_TRACE("step " + std::to_string(step) + ": " + op);
    ++ops[op];
    if (status.ok()) ++accepted[op];
    Check(status, expect);
    v1::CheckLedgerResponse report = CheckLedger(admin_);
    EXPECT_TRUE(report.clean()) << LedgerText(report);
    if (step % 25 == 24) CheckLedgerFromOutside();
  }
  CheckLedgerFromOutside();
  v1::CheckLedgerResponse report = CheckLedger(admin_);
  EXPECT_TRUE(report.clean()) << LedgerText(report);
  EXPECT_EQ(report.invoices_checked(),
            static_cast<int64_t>(invoices[customers[0]].size() + invoices[customers[1]].size()));
  // The run exercised each kind of operation, accepted and refused.
  for (const char* op : {"create+finalize", "record payment", "apply prepayment", "reverse payment",
                         "RevertInvoiceToDraft", "ReissueInvoice", "FinalizeInvoice", "VoidInvoice", "edit"}) {
    EXPECT_GT(accepted[op], 0) << op;
  }
  std::string summary;
  for (const auto& [op, count] : ops)
    summary += op + " " + std::to_string(accepted[op]) + "/" + std::to_string(count) + "; ";
  std::cerr << "random run: " << summary << "in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
            << " ms\n";
}

}  // namespace
}  // namespace invoicehub::e2e
