#include "server/domain/update_mask.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/domain/field_errors.h"

namespace invoicehub::domain {
namespace {

const std::set<std::string> kAllowed = {"display_name", "email"};

TEST(UpdateMaskTest, EmptyMaskMeansEveryAllowedField) {
  FieldErrors errors;
  UpdateMask mask = UpdateMask::Parse(errors, {}, kAllowed);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(mask.Has("display_name"));
  EXPECT_TRUE(mask.Has("email"));
}

TEST(UpdateMaskTest, NamedFieldsOnly) {
  FieldErrors errors;
  UpdateMask mask = UpdateMask::Parse(errors, {"email"}, kAllowed);
  EXPECT_TRUE(errors.empty());
  EXPECT_TRUE(mask.Has("email"));
  EXPECT_FALSE(mask.Has("display_name"));
}

TEST(UpdateMaskTest, EveryUnknownPathIsAViolationOnUpdateMask) {
  FieldErrors errors;
  UpdateMask::Parse(errors, {"total", "email", "id"}, kAllowed);
  ASSERT_EQ(errors.violations().size(), 2u);
  EXPECT_EQ(errors.violations()[0].field, "update_mask");
  EXPECT_THAT(errors.violations()[0].description, ::testing::HasSubstr("\"total\""));
  EXPECT_THAT(errors.violations()[1].description, ::testing::HasSubstr("\"id\""));
}

TEST(CheckVersionTest, CurrentVersionPasses) { EXPECT_TRUE(CheckVersion("version", 3, 3).ok()); }

TEST(CheckVersionTest, StaleVersionIsAborted) {
  absl::Status status = CheckVersion("version", 4, 3);
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("current version is 4"));
}

TEST(CheckVersionTest, MissingVersionIsAFieldViolation) {
  absl::Status status = CheckVersion("customer.version", 4, 0);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolationsOf(status).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(status)[0].field, "customer.version");
}

}  // namespace
}  // namespace invoicehub::domain
