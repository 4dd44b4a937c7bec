// The outbox plan: which bill-pay rows each lifecycle event asks for.

#include "server/domain/sync_event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kInvoice = 11;
constexpr int64_t kPayment = 22;

std::vector<SyncEventDraft> Plan(LifecycleEventKind kind, std::vector<int64_t> payment_invoices = {}) {
  return PlanSync({kind, kInvoice, kPayment, 500}, payment_invoices);
}

TEST(PlanSyncTest, FinalizeSendsTheInvoice) {  // BP-1
  EXPECT_THAT(Plan(LifecycleEventKind::kInvoiceFinalized),
              ElementsAre(SyncEventDraft{SyncAction::kSendInvoice, kInvoice, 0, 0}));
}

TEST(PlanSyncTest, RefinalizeSendsTheInvoiceAgainAsAnUpdate) {  // BP-11
  EXPECT_THAT(Plan(LifecycleEventKind::kInvoiceRefinalized),
              ElementsAre(SyncEventDraft{SyncAction::kSendInvoice, kInvoice, 0, 0}));
}

TEST(PlanSyncTest, ReissueKeepsTheRecordSoThePayNowUrlKeepsWorking) {  // BP-11
  EXPECT_THAT(Plan(LifecycleEventKind::kInvoiceReissued), IsEmpty());
}

TEST(PlanSyncTest, RevertToDraftAndVoidDeleteTheRecord) {  // BP-9
  EXPECT_THAT(Plan(LifecycleEventKind::kInvoiceRevertedToDraft),
              ElementsAre(SyncEventDraft{SyncAction::kDeleteInvoice, kInvoice, 0, 0}));
  EXPECT_THAT(Plan(LifecycleEventKind::kInvoiceVoided),
              ElementsAre(SyncEventDraft{SyncAction::kDeleteInvoice, kInvoice, 0, 0}));
}

TEST(PlanSyncTest, ARecordedPaymentSendsTheBalanceOfEachInvoiceItPaid) {
  EXPECT_THAT(Plan(LifecycleEventKind::kPaymentRecorded, {5, 6}),
              ElementsAre(SyncEventDraft{SyncAction::kUpdateBalance, 5, 0, 0},
                          SyncEventDraft{SyncAction::kUpdateBalance, 6, 0, 0}));
}

TEST(PlanSyncTest, APaymentThatLandsWhollyAsPrepaymentLeavesBillPay) {  // BP-8
  EXPECT_THAT(Plan(LifecycleEventKind::kPaymentRecorded, {}),
              ElementsAre(SyncEventDraft{SyncAction::kDeletePayment, 0, kPayment, 0}));
}

TEST(PlanSyncTest, AReleasedAllocationDeletesWhatWasPaidAgainOnThatInvoice) {  // BP-8
  EXPECT_THAT(Plan(LifecycleEventKind::kAllocationReleased),
              ElementsAre(SyncEventDraft{SyncAction::kDeletePayment, kInvoice, kPayment, 0}));
}

TEST(PlanSyncTest, ThePayersPaymentGoesOnlyWhenAllItsInvoicesAreBack) {  // BP-10
  EXPECT_THAT(Plan(LifecycleEventKind::kPaymentAllReverted),
              ElementsAre(SyncEventDraft{SyncAction::kDeletePayment, 0, kPayment, 0}));
}

TEST(PlanSyncTest, AnAppliedPrepaymentIsPaidAgainThenTheBalanceSent) {  // BP-8
  EXPECT_THAT(Plan(LifecycleEventKind::kPrepaymentApplied),
              ElementsAre(SyncEventDraft{SyncAction::kCreatePayment, kInvoice, kPayment, 500},
                          SyncEventDraft{SyncAction::kUpdateBalance, kInvoice, 0, 0}));
}

TEST(PlanSyncTest, AReversalSendsTheBalanceOfEveryInvoiceThePaymentTouched) {
  EXPECT_THAT(Plan(LifecycleEventKind::kPaymentReversed, {7}),
              ElementsAre(SyncEventDraft{SyncAction::kUpdateBalance, 7, 0, 0}));
}

TEST(SyncOrderKeyTest, InvoiceRowsShareTheInvoicesKeyAndPayerDeletesThePayments) {
  EXPECT_EQ(SyncOrderKey({SyncAction::kCreatePayment, kInvoice, kPayment, 1}), "invoice:11");
  EXPECT_EQ(SyncOrderKey({SyncAction::kDeletePayment, 0, kPayment, 0}), "payment:22");
}

TEST(SyncNamesTest, RoundTrip) {
  for (SyncAction action : {SyncAction::kSendInvoice, SyncAction::kUpdateBalance, SyncAction::kDeleteInvoice,
                            SyncAction::kCreatePayment, SyncAction::kDeletePayment})
    EXPECT_EQ(SyncActionFromName(SyncActionName(action)), action);
  for (SyncState state : {SyncState::kPending, SyncState::kSynced, SyncState::kFailed})
    EXPECT_EQ(SyncStateFromName(SyncStateName(state)), state);
  EXPECT_EQ(SyncActionFromName("refund"), std::nullopt);
}

TEST(RetryDelayTest, DoublesPerAttemptWithJitterAndStopsAtTheCap) {
  RetryPolicy policy{8, absl::Seconds(2), absl::Seconds(30)};
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    for (int attempts = 1; attempts <= 10; ++attempts) {
      absl::Duration full = std::min(absl::Seconds(2) * (1 << (attempts - 1)), absl::Seconds(30));
      absl::Duration delay = RetryDelay(policy, attempts, random);
      EXPECT_GE(delay, full / 2) << attempts;
      EXPECT_LE(delay, full) << attempts;
    }
  }
}

TEST(RetryDelayTest, JitterSpreadsRowsThatFailedTogether) {
  RetryPolicy policy;
  std::mt19937_64 random(11);
  std::set<int64_t> delays;
  for (int i = 0; i < 20; ++i) delays.insert(absl::ToInt64Milliseconds(RetryDelay(policy, 3, random)));
  EXPECT_GT(delays.size(), 10u);
}

}  // namespace
}  // namespace invoicehub::domain
