// Invoice lifecycle moves (DOMAIN.md "Invoice lifecycle"), the invoice number
// (LC-2), what bill-pay is not told (BP-2), the applied amount versus an
// edited total (LC-3) and the names of lifecycle events.

#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/field_errors.h"
#include "server/domain/invoice.h"
#include "server/domain/invoice_lifecycle.h"
#include "server/domain/lifecycle_event.h"

namespace invoicehub::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr InvoiceState kAllStates[] = {InvoiceState::kDraft, InvoiceState::kFinal, InvoiceState::kReissue,
                                       InvoiceState::kVoid};

Invoice InState(InvoiceState state, int64_t id = 77) {
  Invoice invoice;
  invoice.id = id;
  invoice.state = state;
  invoice.currency_code = "EUR";
  return invoice;
}

// ---------------------------------------------------------------------------
// IsAllowedMove: the whole 4x4 table.

struct MoveCase {
  InvoiceState from;
  InvoiceState to;
  bool allowed;
};

// Exactly DRAFT→FINAL, FINAL→REISSUE, FINAL→DRAFT, REISSUE→FINAL,
// REISSUE→DRAFT, DRAFT→VOID and FINAL→VOID.
const MoveCase kMoveTable[] = {
    {InvoiceState::kDraft, InvoiceState::kDraft, false},
    {InvoiceState::kDraft, InvoiceState::kFinal, true},
    {InvoiceState::kDraft, InvoiceState::kReissue, false},
    {InvoiceState::kDraft, InvoiceState::kVoid, true},
    {InvoiceState::kFinal, InvoiceState::kDraft, true},
    {InvoiceState::kFinal, InvoiceState::kFinal, false},
    {InvoiceState::kFinal, InvoiceState::kReissue, true},
    {InvoiceState::kFinal, InvoiceState::kVoid, true},
    {InvoiceState::kReissue, InvoiceState::kDraft, true},
    {InvoiceState::kReissue, InvoiceState::kFinal, true},
    {InvoiceState::kReissue, InvoiceState::kReissue, false},
    {InvoiceState::kReissue, InvoiceState::kVoid, false},
    {InvoiceState::kVoid, InvoiceState::kDraft, false},
    {InvoiceState::kVoid, InvoiceState::kFinal, false},
    {InvoiceState::kVoid, InvoiceState::kReissue, false},
    {InvoiceState::kVoid, InvoiceState::kVoid, false},
};

TEST(IsAllowedMoveTest, TableCoversAllSixteenPairsOnce) {  // LIFECYCLE
  ASSERT_EQ(std::size(kMoveTable), 16u);
  for (InvoiceState from : kAllStates)
    for (InvoiceState to : kAllStates) {
      int seen = 0;
      for (const MoveCase& c : kMoveTable)
        if (c.from == from && c.to == to) ++seen;
      EXPECT_EQ(seen, 1) << InvoiceStateName(from) << "->" << InvoiceStateName(to);
    }
  int allowed = 0;
  for (const MoveCase& c : kMoveTable) allowed += c.allowed ? 1 : 0;
  EXPECT_EQ(allowed, 7);
}

TEST(IsAllowedMoveTest, ExactlyTheSevenMovesOfDomainMd) {  // LIFECYCLE
  for (const MoveCase& c : kMoveTable)
    EXPECT_EQ(IsAllowedMove(c.from, c.to), c.allowed) << InvoiceStateName(c.from) << "->" << InvoiceStateName(c.to);
}

// CheckMove agrees with the table (nothing applied, so FINAL→VOID is fine).
TEST(CheckMoveTest, AgreesWithTheTableWhenNothingIsApplied) {  // LIFECYCLE
  for (const MoveCase& c : kMoveTable) {
    absl::Status status = CheckMove(InState(c.from), c.to);
    EXPECT_EQ(status.ok(), c.allowed) << InvoiceStateName(c.from) << "->" << InvoiceStateName(c.to) << ": "
                                      << status;
    if (!c.allowed) {
      EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
      EXPECT_EQ(RuleOf(status), kLifecycleRule);
      EXPECT_EQ(RuleOf(status), "LIFECYCLE");
      EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
    }
  }
}

// ---------------------------------------------------------------------------
// CheckMove refusals: what the message says.

TEST(CheckMoveTest, RefusalNamesInvoiceStateTargetAndAllowedMoves) {  // LIFECYCLE
  absl::Status status = CheckMove(InState(InvoiceState::kDraft, 4711), InvoiceState::kReissue);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LIFECYCLE");
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("invoice 4711"));
  EXPECT_THAT(message, HasSubstr("is DRAFT"));
  EXPECT_THAT(message, HasSubstr("cannot move to REISSUE"));
  EXPECT_THAT(message, HasSubstr("allowed moves are to FINAL, VOID"));
}

TEST(CheckMoveTest, RefusalFromFinalListsItsThreeMoves) {  // LIFECYCLE
  absl::Status status = CheckMove(InState(InvoiceState::kFinal, 12), InvoiceState::kFinal);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LIFECYCLE");
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("invoice 12"));
  EXPECT_THAT(message, HasSubstr("is FINAL"));
  EXPECT_THAT(message, HasSubstr("allowed moves are to REISSUE, DRAFT, VOID"));
}

TEST(CheckMoveTest, RefusalFromReissueListsItsTwoMoves) {  // LIFECYCLE
  absl::Status status = CheckMove(InState(InvoiceState::kReissue, 13), InvoiceState::kVoid);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LIFECYCLE");
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("invoice 13"));
  EXPECT_THAT(message, HasSubstr("is REISSUE"));
  EXPECT_THAT(message, HasSubstr("cannot move to VOID"));
  EXPECT_THAT(message, HasSubstr("allowed moves are to FINAL, DRAFT"));
}

TEST(CheckMoveTest, VoidAllowsNoMove) {  // LIFECYCLE
  for (InvoiceState to : kAllStates) {
    absl::Status status = CheckMove(InState(InvoiceState::kVoid, 99), to);
    ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << InvoiceStateName(to);
    EXPECT_EQ(RuleOf(status), "LIFECYCLE");
    const std::string message(status.message());
    EXPECT_THAT(message, HasSubstr("invoice 99"));
    EXPECT_THAT(message, HasSubstr("is VOID"));
    EXPECT_THAT(message, HasSubstr("no move is allowed from VOID"));
    EXPECT_THAT(message, Not(HasSubstr("allowed moves are to")));
  }
}

TEST(CheckMoveTest, FinalToVoidIsRefusedWhenSomethingIsApplied) {  // LIFECYCLE: FINAL→VOID only with nothing paid
  Invoice invoice = InState(InvoiceState::kFinal, 321);
  invoice.total_minor = 10'000;
  invoice.applied_minor = 2'500;
  invoice.outstanding_minor = 7'500;
  absl::Status status = CheckMove(invoice, InvoiceState::kVoid);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LIFECYCLE");
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("invoice 321"));
  EXPECT_THAT(message, HasSubstr("is FINAL"));
  EXPECT_THAT(message, HasSubstr("nothing paid"));
  EXPECT_THAT(message, HasSubstr("2500"));
  EXPECT_THAT(message, HasSubstr("EUR"));
}

TEST(CheckMoveTest, FinalToVoidIsAllowedWithNothingApplied) {  // LIFECYCLE: FINAL→VOID only with nothing paid
  Invoice invoice = InState(InvoiceState::kFinal);
  invoice.total_minor = 10'000;
  invoice.applied_minor = 0;
  invoice.outstanding_minor = 10'000;
  EXPECT_TRUE(CheckMove(invoice, InvoiceState::kVoid).ok());
}

TEST(CheckMoveTest, AppliedAmountDoesNotBlockOtherMovesFromFinal) {  // LIFECYCLE, BP-8
  Invoice invoice = InState(InvoiceState::kFinal);
  invoice.total_minor = 10'000;
  invoice.applied_minor = 10'000;
  EXPECT_TRUE(CheckMove(invoice, InvoiceState::kDraft).ok());
  EXPECT_TRUE(CheckMove(invoice, InvoiceState::kReissue).ok());
}

TEST(CheckMoveTest, DraftToVoidIgnoresApplied) {  // LIFECYCLE: only FINAL→VOID needs nothing paid
  Invoice invoice = InState(InvoiceState::kDraft);
  invoice.applied_minor = 0;
  EXPECT_TRUE(CheckMove(invoice, InvoiceState::kVoid).ok());
}

// ---------------------------------------------------------------------------
// FormatInvoiceNumber

TEST(FormatInvoiceNumberTest, PadsToSixDigits) {  // LC-2
  EXPECT_EQ(FormatInvoiceNumber("INV-", 123), "INV-000123");
  EXPECT_EQ(FormatInvoiceNumber("INV-", 1), "INV-000001");
  EXPECT_EQ(FormatInvoiceNumber("INV-", 0), "INV-000000");
  EXPECT_EQ(FormatInvoiceNumber("INV-", 999'999), "INV-999999");
}

TEST(FormatInvoiceNumberTest, NumbersBeyondSixDigitsAreNotTruncated) {  // LC-2: unique, never reused
  EXPECT_EQ(FormatInvoiceNumber("INV-", 1'000'000), "INV-1000000");
  EXPECT_EQ(FormatInvoiceNumber("INV-", 1'234'567'890), "INV-1234567890");
  EXPECT_EQ(FormatInvoiceNumber("INV-", int64_t{12'345'678'901'234}), "INV-12345678901234");
  EXPECT_NE(FormatInvoiceNumber("INV-", 1'000'000), FormatInvoiceNumber("INV-", 0));
}

TEST(FormatInvoiceNumberTest, EmptyPrefix) {  // LC-2
  EXPECT_EQ(FormatInvoiceNumber("", 42), "000042");
  EXPECT_EQ(FormatInvoiceNumber("", 1'000'000), "1000000");
}

TEST(FormatInvoiceNumberTest, PrefixIsKeptVerbatim) {  // LC-2
  EXPECT_EQ(FormatInvoiceNumber("2024/", 7), "2024/000007");
}

// ---------------------------------------------------------------------------
// NothingToSend

TEST(NothingToSendTest, ZeroTotalIsNotSent) {  // BP-2
  Invoice invoice = InState(InvoiceState::kDraft);
  invoice.total_minor = 0;
  invoice.outstanding_minor = 0;
  EXPECT_TRUE(NothingToSend(invoice));
}

TEST(NothingToSendTest, OutstandingNettedToZeroByPrepaymentIsNotSent) {  // BP-2
  Invoice invoice = InState(InvoiceState::kDraft);
  invoice.total_minor = 5'000;
  invoice.applied_minor = 5'000;
  invoice.outstanding_minor = 0;
  EXPECT_TRUE(NothingToSend(invoice));
}

TEST(NothingToSendTest, SomethingOutstandingIsSent) {  // BP-2, BP-1
  Invoice invoice = InState(InvoiceState::kDraft);
  invoice.total_minor = 5'000;
  invoice.applied_minor = 0;
  invoice.outstanding_minor = 5'000;
  EXPECT_FALSE(NothingToSend(invoice));
}

TEST(NothingToSendTest, PartlyPrepaidIsSent) {  // BP-2, BP-1
  Invoice invoice = InState(InvoiceState::kReissue);
  invoice.total_minor = 5'000;
  invoice.applied_minor = 4'999;
  invoice.outstanding_minor = 1;
  EXPECT_FALSE(NothingToSend(invoice));
}

// ---------------------------------------------------------------------------
// CheckAppliedWithinTotal (CheckEditable is covered in invoice_state_test.cc)

TEST(CheckAppliedWithinTotalTest, AppliedAboveTotalIsRefused) {  // LC-3
  Invoice invoice = InState(InvoiceState::kReissue, 808);
  invoice.currency_code = "CHF";
  invoice.total_minor = 4'000;
  invoice.applied_minor = 4'001;
  absl::Status status = CheckAppliedWithinTotal(invoice);
  ASSERT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LC-3");
  EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
  const std::string message(status.message());
  EXPECT_THAT(message, HasSubstr("invoice 808"));
  EXPECT_THAT(message, HasSubstr("4000"));
  EXPECT_THAT(message, HasSubstr("4001"));
  EXPECT_THAT(message, HasSubstr("CHF"));
}

TEST(CheckAppliedWithinTotalTest, AppliedEqualToTotalIsAccepted) {  // LC-3
  Invoice invoice = InState(InvoiceState::kReissue);
  invoice.total_minor = 4'000;
  invoice.applied_minor = 4'000;
  EXPECT_TRUE(CheckAppliedWithinTotal(invoice).ok());
}

TEST(CheckAppliedWithinTotalTest, AppliedBelowTotalIsAccepted) {  // LC-3
  Invoice invoice = InState(InvoiceState::kReissue);
  invoice.total_minor = 4'000;
  for (int64_t applied : {int64_t{0}, int64_t{1}, int64_t{3'999}}) {
    invoice.applied_minor = applied;
    EXPECT_TRUE(CheckAppliedWithinTotal(invoice).ok()) << applied;
  }
}

TEST(CheckAppliedWithinTotalTest, ZeroTotalWithNothingAppliedIsAccepted) {  // LC-3
  Invoice invoice = InState(InvoiceState::kDraft);
  EXPECT_TRUE(CheckAppliedWithinTotal(invoice).ok());
}

// ---------------------------------------------------------------------------
// Lifecycle event names

constexpr LifecycleEventKind kAllEventKinds[] = {
    LifecycleEventKind::kInvoiceFinalized,   LifecycleEventKind::kInvoiceRefinalized,
    LifecycleEventKind::kInvoiceReissued,    LifecycleEventKind::kInvoiceRevertedToDraft,
    LifecycleEventKind::kInvoiceVoided,      LifecycleEventKind::kPaymentRecorded,
    LifecycleEventKind::kAllocationReleased, LifecycleEventKind::kPaymentAllReverted,
    LifecycleEventKind::kPrepaymentApplied,  LifecycleEventKind::kPaymentReversed,
};

TEST(LifecycleEventKindTest, EveryKindRoundTripsThroughItsName) {  // BP-1, BP-8..BP-12: events must survive storage
  for (LifecycleEventKind kind : kAllEventKinds) {
    const std::string name = LifecycleEventKindName(kind);
    EXPECT_NE(name, "unknown") << static_cast<int>(kind);
    EXPECT_FALSE(name.empty()) << static_cast<int>(kind);
    EXPECT_EQ(LifecycleEventKindFromName(name), kind) << name;
  }
}

TEST(LifecycleEventKindTest, NamesAreUnique) {  // BP-12: each event is told once and means one thing
  std::set<std::string> names;
  for (LifecycleEventKind kind : kAllEventKinds) names.insert(LifecycleEventKindName(kind));
  EXPECT_EQ(names.size(), std::size(kAllEventKinds));
}

TEST(LifecycleEventKindTest, SomeNamesAreStable) {  // BP-1, BP-10
  EXPECT_EQ(LifecycleEventKindName(LifecycleEventKind::kInvoiceFinalized), "invoice.finalized");
  EXPECT_EQ(LifecycleEventKindName(LifecycleEventKind::kPaymentAllReverted), "payment.all_invoices_reverted");
}

TEST(LifecycleEventKindTest, UnknownNameIsNullopt) {  // BP-12
  EXPECT_EQ(LifecycleEventKindFromName(""), std::nullopt);
  EXPECT_EQ(LifecycleEventKindFromName("unknown"), std::nullopt);
  EXPECT_EQ(LifecycleEventKindFromName("invoice.paid"), std::nullopt);
  EXPECT_EQ(LifecycleEventKindFromName("INVOICE.FINALIZED"), std::nullopt);
  EXPECT_EQ(LifecycleEventKindFromName("invoice.finalized "), std::nullopt);
}

TEST(LifecycleEventTest, EqualityComparesEveryField) {  // BP-12: duplicates are recognised
  const LifecycleEvent a{LifecycleEventKind::kPrepaymentApplied, 1, 2, 300};
  EXPECT_EQ(a, (LifecycleEvent{LifecycleEventKind::kPrepaymentApplied, 1, 2, 300}));
  EXPECT_NE(a, (LifecycleEvent{LifecycleEventKind::kPaymentRecorded, 1, 2, 300}));
  EXPECT_NE(a, (LifecycleEvent{LifecycleEventKind::kPrepaymentApplied, 9, 2, 300}));
  EXPECT_NE(a, (LifecycleEvent{LifecycleEventKind::kPrepaymentApplied, 1, 9, 300}));
  EXPECT_NE(a, (LifecycleEvent{LifecycleEventKind::kPrepaymentApplied, 1, 2, 301}));
}

}  // namespace
}  // namespace invoicehub::domain
