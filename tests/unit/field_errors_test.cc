// FieldErrors: one INVALID_ARGUMENT names every problem of a request, and
// RuleViolation names the DOMAIN.md rule that refused a call.

#include "server/domain/field_errors.h"

#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/test_util.h"

namespace invoicehub::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

TEST(FieldErrorsTest, EmptyIsOk) {
  FieldErrors errors;
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(errors.violations().empty());
  EXPECT_TRUE(errors.ToStatus().ok());
}

TEST(FieldErrorsTest, KeepsViolationsInOrder) {
  FieldErrors errors;
  errors.Add("b", "second");
  errors.Add("a", "first");
  EXPECT_FALSE(errors.empty());
  EXPECT_THAT(errors.violations(),
              ElementsAre(FieldViolation{"b", "second"}, FieldViolation{"a", "first"}));
}

TEST(FieldErrorsTest, ToStatusMessageListsEveryField) {
  FieldErrors errors;
  errors.Add("customer.email", "is required");
  errors.Add("lines[2].quantity", "must not be negative");
  errors.Add("lines[3].tax_rate_percent", "must be a percentage");
  absl::Status status = errors.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("customer.email: is required"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("lines[2].quantity: must not be negative"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("lines[3].tax_rate_percent: must be a percentage"));
}

TEST(FieldErrorsTest, FieldViolationsOfRoundTrips) {
  FieldErrors errors;
  errors.Add("customer.display_name", "is required");
  errors.Add("lines[1].quantity", "must be a decimal such as \"1.5\"; at most 4 places");
  errors.Add("a:b", "x: y; z");
  errors.Add("company.address.locality", "Zürich Ærø 株式会社 ✓");
  errors.Add("empty_description", "");
  EXPECT_EQ(FieldViolationsOf(errors.ToStatus()), errors.violations());
}

TEST(FieldErrorsTest, FieldViolationsSurviveCopies) {
  FieldErrors errors;
  errors.Add("lines", "at least one line is required");
  absl::Status copy = errors.ToStatus();
  absl::Status moved = std::move(copy);
  EXPECT_THAT(FieldViolationsOf(moved), ElementsAre(FieldViolation{"lines", "at least one line is required"}));
}

TEST(FieldErrorsTest, FieldViolationsOfOtherStatusesIsEmpty) {
  EXPECT_THAT(FieldViolationsOf(absl::OkStatus()), IsEmpty());
  EXPECT_THAT(FieldViolationsOf(absl::InvalidArgumentError("lines: bad")), IsEmpty());
  EXPECT_THAT(FieldViolationsOf(RuleViolation("LC-1", "not editable")), IsEmpty());
}

TEST(InvalidFieldTest, OneViolation) {
  absl::Status status = InvalidField("customer.email", "is required");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("customer.email: is required"));
  EXPECT_THAT(FieldViolationsOf(status), ElementsAre(FieldViolation{"customer.email", "is required"}));
  EXPECT_EQ(RuleOf(status), "");
}

TEST(RuleViolationTest, CarriesTheRule) {
  absl::Status status = RuleViolation("LC-1", "invoice 7 is FINAL");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(RuleOf(status), "LC-1");
  EXPECT_THAT(std::string(status.message()), StartsWith("LC-1: "));
  EXPECT_THAT(std::string(status.message()), HasSubstr("invoice 7 is FINAL"));
}

TEST(RuleViolationTest, RuleOfOtherStatusesIsEmpty) {
  EXPECT_EQ(RuleOf(absl::OkStatus()), "");
  EXPECT_EQ(RuleOf(absl::FailedPreconditionError("LC-1: looks like a rule")), "");
  FieldErrors errors;
  errors.Add("x", "y");
  EXPECT_EQ(RuleOf(errors.ToStatus()), "");
}

// The message stays short (five problems and a count) and the details stop
// at 50 with one entry counting the rest, so that gRPC trailers stay small.
TEST(FieldErrorsTest, LargeSetsAreBoundedInMessageAndDetails) {
  FieldErrors errors;
  for (int i = 0; i < 80; ++i) errors.Add("lines[" + std::to_string(i) + "].quantity", "must not be negative");
  absl::Status status = errors.ToStatus();
  std::string message(status.message());
  EXPECT_NE(message.find("lines[4].quantity"), std::string::npos);
  EXPECT_EQ(message.find("lines[5].quantity"), std::string::npos);
  EXPECT_NE(message.find("and 75 more (see details)"), std::string::npos);
  std::vector<FieldViolation> details = FieldViolationsOf(status);
  ASSERT_EQ(details.size(), 51u);
  EXPECT_EQ(details[49].field, "lines[49].quantity");
  EXPECT_EQ(details[50].field, "(request)");
  EXPECT_EQ(details[50].description, "30 more problems not listed");
}

}  // namespace
}  // namespace invoicehub::domain
