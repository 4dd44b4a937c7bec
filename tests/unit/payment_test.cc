// Payments, their allocations to invoices and the BP-10 rule.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/payment.h"

namespace invoicehub::domain {
namespace {

Allocation Alloc(int64_t invoice_id, int64_t amount, AllocationState state,
                 AllocationSource source = AllocationSource::kPayment) {
  Allocation allocation;
  allocation.payment_id = 1;
  allocation.invoice_id = invoice_id;
  allocation.amount_minor = amount;
  allocation.source = source;
  allocation.state = state;
  return allocation;
}

Payment WithAllocations(std::vector<Allocation> allocations) {
  Payment payment;
  payment.id = 1;
  payment.customer_id = 10;
  payment.currency_code = "EUR";
  payment.amount_minor = 100'000;
  payment.allocations = std::move(allocations);
  return payment;
}

// ---------------------------------------------------------------------------
// AllInvoicesReverted

TEST(AllInvoicesRevertedTest, FalseWithoutAllocations) {  // BP-10
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({})));
}

TEST(AllInvoicesRevertedTest, FalseWhileAnyPaymentAllocationIsApplied) {  // BP-10
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(1, 1'000, AllocationState::kReleased),
      Alloc(2, 2'000, AllocationState::kApplied),
      Alloc(3, 3'000, AllocationState::kReleased),
  })));
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({Alloc(1, 1'000, AllocationState::kApplied)})));
}

TEST(AllInvoicesRevertedTest, FalseWhenAPaymentAllocationWasReversed) {  // BP-10
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(1, 1'000, AllocationState::kReleased),
      Alloc(2, 2'000, AllocationState::kReversed),
  })));
}

TEST(AllInvoicesRevertedTest, TrueWhenEveryPaymentAllocationIsReleased) {  // BP-10
  EXPECT_TRUE(AllInvoicesReverted(WithAllocations({Alloc(1, 1'000, AllocationState::kReleased)})));
  EXPECT_TRUE(AllInvoicesReverted(WithAllocations({
      Alloc(1, 1'000, AllocationState::kReleased),
      Alloc(2, 2'000, AllocationState::kReleased),
      Alloc(3, 3'000, AllocationState::kReleased),
  })));
}

TEST(AllInvoicesRevertedTest, PrepaymentAllocationsDoNotCount) {  // BP-10, BP-8
  // A prepayment applied later (still applied) does not keep the payment in
  // bill-pay: it was never part of the bill-pay payment.
  EXPECT_TRUE(AllInvoicesReverted(WithAllocations({
      Alloc(1, 1'000, AllocationState::kReleased),
      Alloc(2, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment),
  })));
  EXPECT_TRUE(AllInvoicesReverted(WithAllocations({
      Alloc(1, 1'000, AllocationState::kReleased),
      Alloc(2, 1'000, AllocationState::kReversed, AllocationSource::kPrepayment),
  })));
  // Released prepayment allocations alone are not "every invoice reverted".
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(2, 1'000, AllocationState::kReleased, AllocationSource::kPrepayment),
  })));
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(2, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment),
  })));
}

TEST(AllInvoicesRevertedTest, OrderOfAllocationsDoesNotMatter) {  // BP-10
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(2, 1'000, AllocationState::kApplied, AllocationSource::kPrepayment),
      Alloc(1, 1'000, AllocationState::kApplied),
      Alloc(3, 1'000, AllocationState::kReleased),
  })));
  EXPECT_FALSE(AllInvoicesReverted(WithAllocations({
      Alloc(3, 1'000, AllocationState::kReleased),
      Alloc(1, 1'000, AllocationState::kApplied),
  })));
}

// ---------------------------------------------------------------------------
// Payment method names

TEST(PaymentMethodNameTest, AllSixRoundTrip) {  // no rule id: API and storage names
  const std::vector<std::pair<PaymentMethod, std::string>> methods = {
      {PaymentMethod::kCheck, "check"}, {PaymentMethod::kAch, "ach"},     {PaymentMethod::kCard, "card"},
      {PaymentMethod::kWire, "wire"},   {PaymentMethod::kCash, "cash"}, {PaymentMethod::kOther, "other"},
  };
  std::set<std::string> names;
  for (const auto& [method, name] : methods) {
    EXPECT_EQ(PaymentMethodName(method), name);
    EXPECT_EQ(PaymentMethodFromName(name), method) << name;
    EXPECT_EQ(PaymentMethodFromName(PaymentMethodName(method)), method) << name;
    names.insert(PaymentMethodName(method));
  }
  EXPECT_EQ(names.size(), 6u);
}

TEST(PaymentMethodNameTest, UnknownNameIsNullopt) {  // no rule id: API and storage names
  EXPECT_EQ(PaymentMethodFromName(""), std::nullopt);
  EXPECT_EQ(PaymentMethodFromName("bitcoin"), std::nullopt);
  EXPECT_EQ(PaymentMethodFromName("CHECK"), std::nullopt);
  EXPECT_EQ(PaymentMethodFromName(" card"), std::nullopt);
}

TEST(PaymentTest, DefaultsAreReceivedAndOther) {  // BP-8: a new allocation is applied from the payment
  Payment payment;
  EXPECT_EQ(payment.state, PaymentState::kReceived);
  EXPECT_EQ(payment.method, PaymentMethod::kOther);
  Allocation allocation;
  EXPECT_EQ(allocation.source, AllocationSource::kPayment);
  EXPECT_EQ(allocation.state, AllocationState::kApplied);
}

}  // namespace
}  // namespace invoicehub::domain
