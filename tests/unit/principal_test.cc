// Who may do what: the operator runs the deployment (creates and looks after
// companies, does not keep their books); API keys act for one company (BP-6)
// with the role's permissions.

#include "server/domain/principal.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace invoicehub::domain {
namespace {

using ::testing::Optional;

Principal Key(Role role) {
  Principal principal;
  principal.company_id = 7;
  principal.api_key_id = 42;
  principal.role = role;
  return principal;
}

Principal Operator() {
  Principal principal;
  principal.is_operator = true;
  return principal;
}

struct Expected {
  const char* who;
  Principal principal;
  bool create_companies, read_company, manage_company, write_records, read_records;
};

TEST(PrincipalTest, PermissionMatrix) {
  const Expected matrix[] = {
      //  who        principal          create  company manage  write  read
      {"operator", Operator(),         true,   true,   true,   false, false},
      {"admin",    Key(Role::kAdmin),  false,  true,   true,   true,  true},
      {"clerk",    Key(Role::kClerk),  false,  true,   false,  true,  true},
      {"viewer",   Key(Role::kViewer), false,  true,   false,  false, true},
  };
  for (const Expected& e : matrix) {
    EXPECT_EQ(e.principal.Allows(Permission::kCreateCompanies), e.create_companies) << e.who;
    EXPECT_EQ(e.principal.Allows(Permission::kReadCompany), e.read_company) << e.who;
    EXPECT_EQ(e.principal.Allows(Permission::kManageCompany), e.manage_company) << e.who;
    EXPECT_EQ(e.principal.Allows(Permission::kWriteRecords), e.write_records) << e.who;
    EXPECT_EQ(e.principal.Allows(Permission::kReadRecords), e.read_records) << e.who;
  }
}

TEST(PrincipalTest, OperatorIgnoresRole) {
  Principal principal = Operator();
  principal.role = Role::kAdmin;
  EXPECT_FALSE(principal.Allows(Permission::kWriteRecords));
  EXPECT_FALSE(principal.Allows(Permission::kReadRecords));
  EXPECT_TRUE(principal.Allows(Permission::kCreateCompanies));
}

TEST(PrincipalTest, DefaultPrincipalIsAViewer) {
  Principal principal;
  EXPECT_FALSE(principal.is_operator);
  EXPECT_EQ(principal.role, Role::kViewer);
  EXPECT_TRUE(principal.Allows(Permission::kReadRecords));
  EXPECT_FALSE(principal.Allows(Permission::kWriteRecords));
  EXPECT_FALSE(principal.Allows(Permission::kManageCompany));
  EXPECT_FALSE(principal.Allows(Permission::kCreateCompanies));
}

TEST(PrincipalTest, ActorLabel) {
  EXPECT_EQ(Operator().ActorLabel(), "operator");
  EXPECT_EQ(Key(Role::kClerk).ActorLabel(), "api_key:42");
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kAdmin, Role::kClerk, Role::kViewer})
    EXPECT_THAT(RoleFromName(RoleName(role)), Optional(role)) << RoleName(role);
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  EXPECT_EQ(RoleName(Role::kClerk), "clerk");
  EXPECT_EQ(RoleName(Role::kViewer), "viewer");
}

TEST(RoleTest, UnknownNames) {
  for (const char* name : {"", "Admin", "ADMIN", "operator", "owner", " admin", "admin "})
    EXPECT_FALSE(RoleFromName(name).has_value()) << "\"" << name << "\"";
}

}  // namespace
}  // namespace invoicehub::domain
