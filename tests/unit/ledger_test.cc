// The ledger check (CheckLedger): every customer's money recomputed from the
// rows. For each customer and currency, payments received - reversed =
// applied to invoices + open prepayments, and every stored running figure
// agrees with the allocations it summarises (LC-3, BP-8, BP-10).

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/invoice.h"
#include "server/domain/ledger.h"
#include "server/domain/payment.h"

namespace invoicehub::domain {

// Lets gtest print differences in failure messages.
inline void PrintTo(const LedgerDifference& d, std::ostream* os) {
  *os << "{customer " << d.customer_id << " " << d.currency_code << ", \"" << d.subject << "\", \"" << d.check
      << "\", expected " << d.expected_minor << ", actual " << d.actual_minor << "}";
}

namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kAlice = 1;  // EUR
constexpr int64_t kBob = 2;    // CHF

// The rule texts the ledger check compares.
constexpr char kIdentity[] = "payments received - reversed = applied to invoices + open prepayments";
constexpr char kInvoiceApplied[] = "applied = applied allocations";
constexpr char kOutstanding[] = "outstanding = max(total - applied, 0)";
constexpr char kUnapplied[] = "unapplied = amount - applied allocations";

// A difference matcher: subject, a substring of the check, expected, actual
// (and customer and currency).
::testing::Matcher<LedgerDifference> Diff(int64_t customer, const std::string& currency, const std::string& subject,
                                          const std::string& check, int64_t expected, int64_t actual) {
  return AllOf(Field("customer_id", &LedgerDifference::customer_id, customer),
               Field("currency_code", &LedgerDifference::currency_code, currency),
               Field("subject", &LedgerDifference::subject, subject),
               Field("check", &LedgerDifference::check, HasSubstr(check)),
               Field("expected_minor", &LedgerDifference::expected_minor, expected),
               Field("actual_minor", &LedgerDifference::actual_minor, actual));
}

Invoice MakeInvoice(int64_t id, int64_t customer, const std::string& currency, InvoiceState state, int64_t total,
                    int64_t applied) {
  Invoice invoice;
  invoice.id = id;
  invoice.customer_id = customer;
  invoice.currency_code = currency;
  invoice.state = state;
  invoice.total_minor = total;
  invoice.applied_minor = applied;
  // LC-3; a VOID invoice is owed by no one.
  invoice.outstanding_minor = state == InvoiceState::kVoid ? 0 : (total > applied ? total - applied : 0);
  return invoice;
}

Allocation MakeAllocation(int64_t id, int64_t payment_id, int64_t invoice_id, int64_t amount, AllocationState state,
                          AllocationSource source = AllocationSource::kPayment) {
  Allocation allocation;
  allocation.id = id;
  allocation.payment_id = payment_id;
  allocation.invoice_id = invoice_id;
  allocation.amount_minor = amount;
  allocation.state = state;
  allocation.source = source;
  return allocation;
}

Payment MakePayment(int64_t id, int64_t customer, const std::string& currency, int64_t amount, int64_t unapplied,
                    std::vector<Allocation> allocations, PaymentState state = PaymentState::kReceived) {
  Payment payment;
  payment.id = id;
  payment.customer_id = customer;
  payment.currency_code = currency;
  payment.amount_minor = amount;
  payment.unapplied_minor = unapplied;
  payment.state = state;
  payment.allocations = std::move(allocations);
  return payment;
}

Invoice& InvoiceById(LedgerSnapshot& snapshot, int64_t id) {
  for (Invoice& invoice : snapshot.invoices)
    if (invoice.id == id) return invoice;
  ADD_FAILURE() << "no invoice " << id;
  return snapshot.invoices.front();
}

Payment& PaymentById(LedgerSnapshot& snapshot, int64_t id) {
  for (Payment& payment : snapshot.payments)
    if (payment.id == id) return payment;
  ADD_FAILURE() << "no payment " << id;
  return snapshot.payments.front();
}

// A consistent ledger of two customers.
//
// Alice (EUR): received 12000 + 5000 + 2500 (reversed) = 19500, reversed
// 2500; applied to invoices 10000 + 3000 = 13000; open prepayments 3000 +
// 1000 = 4000. 19500 - 2500 = 13000 + 4000.
//   invoice 101 FINAL   total 10000, applied 10000 (6000 from payment 1,
//                       4000 from payment 2's prepayment)
//   invoice 102 FINAL   total  5000, applied  3000 (payment 1; payment 3's
//                       2500 on it was reversed)
//   invoice 103 DRAFT   total  2000, applied     0 (payment 1's 1500 on it
//                       was released when it went back to DRAFT, BP-8)
//   invoice 104 VOID    total   700, applied     0, outstanding 0
//   payment 1 12000: 6000→101, 3000→102 applied, 1500→103 released;
//                    unapplied 3000
//   payment 2  5000: 4000→101 applied from its prepayment; unapplied 1000
//   payment 3  2500 REVERSED: 2500→102 reversed; unapplied 0
//
// Bob (CHF): received 8000 + 1500 = 9500; applied 8000 + 1000 = 9000; open
// prepayments 500.
//   invoice 201 FINAL   total 8000, applied 8000 (payment 4)
//   invoice 202 REISSUE total 3000, applied 1000 (payment 5's prepayment)
//   payment 4 8000: 8000→201 applied; unapplied 0
//   payment 5 1500: 1000→202 applied from its prepayment; unapplied 500
LedgerSnapshot Consistent() {
  LedgerSnapshot snapshot;
  snapshot.invoices = {
      MakeInvoice(101, kAlice, "EUR", InvoiceState::kFinal, 10'000, 10'000),
      MakeInvoice(102, kAlice, "EUR", InvoiceState::kFinal, 5'000, 3'000),
      MakeInvoice(103, kAlice, "EUR", InvoiceState::kDraft, 2'000, 0),
      MakeInvoice(104, kAlice, "EUR", InvoiceState::kVoid, 700, 0),
      MakeInvoice(201, kBob, "CHF", InvoiceState::kFinal, 8'000, 8'000),
      MakeInvoice(202, kBob, "CHF", InvoiceState::kReissue, 3'000, 1'000),
  };
  snapshot.payments = {
      MakePayment(1, kAlice, "EUR", 12'000, 3'000,
                  {MakeAllocation(11, 1, 101, 6'000, AllocationState::kApplied),
                   MakeAllocation(12, 1, 102, 3'000, AllocationState::kApplied),
                   MakeAllocation(13, 1, 103, 1'500, AllocationState::kReleased)}),
      MakePayment(2, kAlice, "EUR", 5'000, 1'000,
                  {MakeAllocation(21, 2, 101, 4'000, AllocationState::kApplied, AllocationSource::kPrepayment)}),
      MakePayment(3, kAlice, "EUR", 2'500, 0, {MakeAllocation(31, 3, 102, 2'500, AllocationState::kReversed)},
                  PaymentState::kReversed),
      MakePayment(4, kBob, "CHF", 8'000, 0, {MakeAllocation(41, 4, 201, 8'000, AllocationState::kApplied)}),
      MakePayment(5, kBob, "CHF", 1'500, 500,
                  {MakeAllocation(51, 5, 202, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment)}),
  };
  return snapshot;
}

TEST(CheckLedgerTest, EmptySnapshotHasNoDifferences) {  // LC-3
  EXPECT_THAT(CheckLedger(LedgerSnapshot{}), IsEmpty());
}

TEST(CheckLedgerTest, ConsistentSnapshotHasNoDifferences) {  // LC-3, BP-8, BP-10
  EXPECT_THAT(CheckLedger(Consistent()), IsEmpty());
}

TEST(CheckLedgerTest, InvoicesWithoutPaymentsAreConsistent) {  // LC-3
  LedgerSnapshot snapshot;
  snapshot.invoices = {MakeInvoice(1, kAlice, "EUR", InvoiceState::kFinal, 900, 0),
                       MakeInvoice(2, kAlice, "EUR", InvoiceState::kDraft, 0, 0)};
  EXPECT_THAT(CheckLedger(snapshot), IsEmpty());
}

// ---------------------------------------------------------------------------
// Invoices

// An invoice's applied amount differing from its applied allocations also
// breaks its customer's identity: the invoices claim more than was received.
TEST(CheckLedgerTest, InvoiceAppliedDifferingFromAllocations) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  Invoice& invoice = InvoiceById(snapshot, 102);
  invoice.applied_minor = 3'500;
  invoice.outstanding_minor = 1'500;  // consistent with the wrong applied
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kAlice, "EUR", "invoice 102", kInvoiceApplied, 3'000, 3'500),
                          Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 17'500)));
}

TEST(CheckLedgerTest, InvoiceAppliedBelowAllocationsInOtherCustomer) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  Invoice& invoice = InvoiceById(snapshot, 201);
  invoice.applied_minor = 7'000;
  invoice.outstanding_minor = 1'000;
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kBob, "CHF", "invoice 201", kInvoiceApplied, 8'000, 7'000),
                          Diff(kBob, "CHF", "customer 2", kIdentity, 9'500, 8'500)));
}

TEST(CheckLedgerTest, OutstandingNotTotalMinusApplied) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  InvoiceById(snapshot, 102).outstanding_minor = 2'500;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kAlice, "EUR", "invoice 102", kOutstanding, 2'000, 2'500)));
}

TEST(CheckLedgerTest, OutstandingOfAFullyPaidInvoiceMustBeZero) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  InvoiceById(snapshot, 201).outstanding_minor = 8'000;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kBob, "CHF", "invoice 201", kOutstanding, 0, 8'000)));
}

TEST(CheckLedgerTest, AppliedAboveTotal) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  // Payment 5's whole 1500 on REISSUE 202, whose total was then cut to 1200.
  Invoice& invoice = InvoiceById(snapshot, 202);
  invoice.total_minor = 1'200;
  invoice.applied_minor = 1'500;
  invoice.outstanding_minor = 0;  // never negative
  Payment& payment = PaymentById(snapshot, 5);
  payment.allocations[0].amount_minor = 1'500;
  payment.unapplied_minor = 0;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kBob, "CHF", "invoice 202", "applied <= total", 1'200, 1'500)));
}

TEST(CheckLedgerTest, AppliedOnADraftInvoice) {  // LC-3, BP-8: going back to DRAFT releases everything
  LedgerSnapshot snapshot = Consistent();
  // Payment 1's 1500 on DRAFT 103 was not released; every other figure
  // follows it.
  Payment& payment = PaymentById(snapshot, 1);
  payment.allocations[2].state = AllocationState::kApplied;
  payment.unapplied_minor = 1'500;
  Invoice& invoice = InvoiceById(snapshot, 103);
  invoice.applied_minor = 1'500;
  invoice.outstanding_minor = 500;
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kAlice, "EUR", "invoice 103", "nothing applied to a DRAFT invoice", 0, 1'500)));
}

TEST(CheckLedgerTest, AppliedOnAVoidInvoice) {  // LIFECYCLE: FINAL→VOID only with nothing paid
  LedgerSnapshot snapshot = Consistent();
  Payment& payment = PaymentById(snapshot, 2);
  payment.allocations.push_back(MakeAllocation(22, 2, 104, 700, AllocationState::kApplied));
  payment.unapplied_minor = 300;
  Invoice& invoice = InvoiceById(snapshot, 104);
  invoice.applied_minor = 700;
  invoice.outstanding_minor = 0;
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kAlice, "EUR", "invoice 104", "nothing applied to a VOID invoice", 0, 700)));
}

// ---------------------------------------------------------------------------
// Payments

// The open prepayment understated: the customer's identity breaks as well.
TEST(CheckLedgerTest, PaymentUnappliedNotAmountMinusApplied) {  // BP-8
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 1).unapplied_minor = 2'000;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kAlice, "EUR", "payment 1", kUnapplied, 3'000, 2'000),
                                                 Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 16'000)));
}

// A released allocation is prepayment again: counting it as applied is wrong.
TEST(CheckLedgerTest, ReleasedAllocationIsNotApplied) {  // BP-8
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 1).unapplied_minor = 1'500;  // as if 1500 were still on invoice 103
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kAlice, "EUR", "payment 1", kUnapplied, 3'000, 1'500),
                                                 Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 15'500)));
}

// Payment 3 was reversed but its allocation to invoice 102 was left applied
// (invoice 102 itself not updated).
TEST(CheckLedgerTest, ReversedPaymentWithAnAppliedAllocation) {  // BP-12
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 3).allocations[0].state = AllocationState::kApplied;
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kAlice, "EUR", "payment 3", "a reversed payment applies nothing", 0, 2'500),
                          Diff(kAlice, "EUR", "invoice 102", kInvoiceApplied, 5'500, 3'000)));
}

TEST(CheckLedgerTest, ReversedPaymentWithAnOpenPrepayment) {  // BP-12
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 3).unapplied_minor = 2'500;
  // Only the payment's own check: a reversed payment's credit is not counted
  // as an open prepayment, so the customer identity still holds.
  EXPECT_THAT(CheckLedger(snapshot),
              ElementsAre(Diff(kAlice, "EUR", "payment 3", "a reversed payment leaves no prepayment", 0, 2'500)));
}

TEST(CheckLedgerTest, ReversedPaymentIsCountedAsReversedNotOpen) {  // BP-12
  // One reversed payment with nothing applied and nothing open: if its
  // amount were counted as received but not reversed, the identity would
  // miss 5000.
  LedgerSnapshot snapshot;
  snapshot.payments = {MakePayment(7, kAlice, "EUR", 5'000, 0, {}, PaymentState::kReversed)};
  EXPECT_THAT(CheckLedger(snapshot), IsEmpty());

  // The same payment still received: 5000 must be open as prepayment.
  snapshot.payments[0].state = PaymentState::kReceived;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kAlice, "EUR", "payment 7", kUnapplied, 5'000, 0),
                                                 Diff(kAlice, "EUR", "customer 1", kIdentity, 5'000, 0)));
  snapshot.payments[0].unapplied_minor = 5'000;
  EXPECT_THAT(CheckLedger(snapshot), IsEmpty());
}

TEST(CheckLedgerTest, ReversingPaymentsKeepsTheConsistentLedgerConsistent) {  // BP-12
  // Reverse payment 4 in the consistent ledger, as ReversePayment would.
  LedgerSnapshot snapshot = Consistent();
  Payment& payment = PaymentById(snapshot, 4);
  payment.state = PaymentState::kReversed;
  payment.allocations[0].state = AllocationState::kReversed;
  Invoice& invoice = InvoiceById(snapshot, 201);
  invoice.applied_minor = 0;
  invoice.outstanding_minor = 8'000;
  EXPECT_THAT(CheckLedger(snapshot), IsEmpty());
}

// ---------------------------------------------------------------------------
// Allocations that cross customers or currencies

// Payment 2 (Alice, EUR) puts its open 1000 on an EUR invoice of Bob.
TEST(CheckLedgerTest, AllocationToAnotherCustomersInvoice) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  snapshot.invoices.push_back(MakeInvoice(301, kBob, "EUR", InvoiceState::kFinal, 1'000, 1'000));
  Payment& payment = PaymentById(snapshot, 2);
  payment.allocations.push_back(
      MakeAllocation(22, 2, 301, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment));
  payment.unapplied_minor = 0;
  EXPECT_THAT(
      CheckLedger(snapshot),
      ElementsAre(Diff(kAlice, "EUR", "payment 2", "allocation to invoice 301 of the same customer and currency", 0,
                       1'000),
                  // Alice lost 1000 of prepayment to no invoice of hers.
                  Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 16'000),
                  // Bob has 1000 applied in EUR that he never paid.
                  Diff(kBob, "EUR", "customer 2", kIdentity, 0, 1'000)));
}

// Payment 2 (Alice, EUR) puts its open 1000 on a CHF invoice of Alice.
TEST(CheckLedgerTest, AllocationToAnInvoiceInAnotherCurrency) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  snapshot.invoices.push_back(MakeInvoice(105, kAlice, "CHF", InvoiceState::kFinal, 1'000, 1'000));
  Payment& payment = PaymentById(snapshot, 2);
  payment.allocations.push_back(
      MakeAllocation(22, 2, 105, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment));
  payment.unapplied_minor = 0;
  EXPECT_THAT(
      CheckLedger(snapshot),
      ElementsAre(Diff(kAlice, "EUR", "payment 2", "allocation to invoice 105 of the same customer and currency", 0,
                       1'000),
                  Diff(kAlice, "CHF", "customer 1", kIdentity, 0, 1'000),
                  Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 16'000)));
}

TEST(CheckLedgerTest, AllocationToAMissingInvoice) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  Payment& payment = PaymentById(snapshot, 2);
  payment.allocations.push_back(
      MakeAllocation(22, 2, 999, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment));
  payment.unapplied_minor = 0;
  EXPECT_THAT(
      CheckLedger(snapshot),
      ElementsAre(Diff(kAlice, "EUR", "payment 2", "allocation to invoice 999 of the same customer and currency", 0,
                       1'000),
                  Diff(kAlice, "EUR", "customer 1", kIdentity, 17'000, 16'000)));
}

// Ended allocations are history: where they pointed is not checked.
TEST(CheckLedgerTest, EndedAllocationsToOtherInvoicesAreNotChecked) {  // BP-8
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 1).allocations[2].invoice_id = 999;  // released
  PaymentById(snapshot, 3).allocations[0].invoice_id = 201;  // reversed, Bob's CHF invoice
  EXPECT_THAT(CheckLedger(snapshot), IsEmpty());
}

// ---------------------------------------------------------------------------
// The customer identity

TEST(CheckLedgerTest, PaymentAmountChangedBreaksTheIdentity) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  PaymentById(snapshot, 4).amount_minor = 9'000;
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kBob, "CHF", "payment 4", kUnapplied, 1'000, 0),
                                                 Diff(kBob, "CHF", "customer 2", kIdentity, 10'500, 9'500)));
}

TEST(CheckLedgerTest, MissingPaymentBreaksTheIdentity) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  // Payment 5 is gone, but the 1000 it applied to invoice 202 is still there.
  snapshot.payments.pop_back();
  EXPECT_THAT(CheckLedger(snapshot), ElementsAre(Diff(kBob, "CHF", "invoice 202", kInvoiceApplied, 0, 1'000),
                                                 Diff(kBob, "CHF", "customer 2", kIdentity, 8'000, 9'000)));
}

TEST(CheckLedgerTest, DifferenceCarriesEveryField) {  // LC-3
  LedgerSnapshot snapshot = Consistent();
  InvoiceById(snapshot, 102).outstanding_minor = 1;
  std::vector<LedgerDifference> differences = CheckLedger(snapshot);
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0], (LedgerDifference{kAlice, "EUR", "invoice 102",
                                              "outstanding = max(total - applied, 0) (LC-3)", 2'000, 1}));
}

}  // namespace
}  // namespace invoicehub::domain
