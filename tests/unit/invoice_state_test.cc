// Invoice state (LC-1) and header checks.

#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/domain/invoice.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(InvoiceStateNameTest, Names) {
  EXPECT_EQ(InvoiceStateName(InvoiceState::kDraft), "DRAFT");
  EXPECT_EQ(InvoiceStateName(InvoiceState::kFinal), "FINAL");
  EXPECT_EQ(InvoiceStateName(InvoiceState::kReissue), "REISSUE");
  EXPECT_EQ(InvoiceStateName(InvoiceState::kVoid), "VOID");
}

TEST(InvoiceTest, NewInvoiceIsAnUnnumberedDraft) {  // LC-2: numbered only when finalized
  Invoice invoice;
  EXPECT_EQ(invoice.state, InvoiceState::kDraft);
  EXPECT_TRUE(invoice.number.empty());
}

TEST(CheckEditableTest, DraftAndReissueAreEditable) {  // LC-1
  for (InvoiceState state : {InvoiceState::kDraft, InvoiceState::kReissue}) {
    Invoice invoice;
    invoice.state = state;
    EXPECT_TRUE(CheckEditable(invoice).ok()) << InvoiceStateName(state);
  }
}

TEST(CheckEditableTest, FinalAndVoidAreRefusedNamingLc1AndTheState) {  // LC-1
  for (InvoiceState state : {InvoiceState::kFinal, InvoiceState::kVoid}) {
    Invoice invoice;
    invoice.id = 42;
    invoice.state = state;
    absl::Status status = CheckEditable(invoice);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << InvoiceStateName(state);
    EXPECT_EQ(RuleOf(status), "LC-1") << InvoiceStateName(state);
    EXPECT_THAT(std::string(status.message()), HasSubstr(InvoiceStateName(state)));
    EXPECT_THAT(std::string(status.message()), HasSubstr("42"));
    EXPECT_THAT(FieldViolationsOf(status), IsEmpty());
  }
}

Invoice Header(absl::CivilDay issue, absl::CivilDay due, std::string po = "") {
  Invoice invoice;
  invoice.issue_date = issue;
  invoice.due_date = due;
  invoice.po_number = std::move(po);
  return invoice;
}

TEST(ValidateInvoiceHeaderTest, DueOnOrAfterIssueIsValid) {
  for (absl::CivilDay due : {absl::CivilDay(2024, 3, 1), absl::CivilDay(2024, 3, 31), absl::CivilDay(2025, 1, 1)}) {
    FieldErrors errors;
    ValidateInvoiceHeader(errors, Header(absl::CivilDay(2024, 3, 1), due, "PO-4711"));
    EXPECT_THAT(errors.violations(), IsEmpty()) << due;
  }
}

// A computed due date (issue date + terms) must stay within what the API
// can send back: year 9999 at the latest.
TEST(ValidateInvoiceHeaderTest, DueAfterYear9999IsRefused) {
  FieldErrors errors;
  ValidateInvoiceHeader(errors, Header(absl::CivilDay(9999, 12, 31), absl::CivilDay(10000, 12, 30), ""));
  ASSERT_EQ(errors.violations().size(), 1u);
  EXPECT_EQ(errors.violations()[0].field, "due_date");
}

TEST(ValidateInvoiceHeaderTest, DueBeforeIssueIsRefused) {
  FieldErrors errors;
  ValidateInvoiceHeader(errors, Header(absl::CivilDay(2024, 3, 1), absl::CivilDay(2024, 2, 29)));
  EXPECT_THAT(errors.violations(), ElementsAre(FieldViolation{"due_date", "must not be before issue_date"}));
}

TEST(ValidateInvoiceHeaderTest, PoNumber) {
  const absl::CivilDay day(2024, 3, 1);
  {
    FieldErrors errors;
    ValidateInvoiceHeader(errors, Header(day, day, std::string(64, '7')));
    EXPECT_THAT(errors.violations(), IsEmpty());
  }
  {
    FieldErrors errors;
    ValidateInvoiceHeader(errors, Header(day, day, std::string(65, '7')));
    EXPECT_THAT(test::FieldsOf(errors), ElementsAre("po_number"));
  }
  {
    FieldErrors errors;
    ValidateInvoiceHeader(errors, Header(day, day, "PO\n4711"));
    EXPECT_THAT(errors.violations(), ElementsAre(FieldViolation{"po_number", "must not contain control characters"}));
  }
}

TEST(ValidateInvoiceHeaderTest, ReportsBothProblems) {
  FieldErrors errors;
  ValidateInvoiceHeader(errors, Header(absl::CivilDay(2024, 3, 2), absl::CivilDay(2024, 3, 1), std::string(65, 'x')));
  EXPECT_THAT(test::FieldsOf(errors), ElementsAre("due_date", "po_number"));
}

}  // namespace
}  // namespace invoicehub::domain
