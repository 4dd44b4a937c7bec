#pragma once
// Who is calling, as established from the API key, and what each role may do.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace invoicehub::domain {

enum class Role { kAdmin, kClerk, kViewer };

std::string RoleName(Role role);  // "admin", ...
std::optional<Role> RoleFromName(std::string_view name);

enum class Permission {
  kCreateCompanies,  // operator only
  kReadCompany,      // the company's own settings
  kManageCompany,    // company settings and API keys
  kWriteRecords,     // customers and invoices
  kReadRecords,
};

struct Principal {
  bool is_operator = false;
  int64_t company_id = 0;  // 0 for the operator
  int64_t api_key_id = 0;  // 0 for the operator
  Role role = Role::kViewer;

  bool Allows(Permission permission) const;
  // For audit entries: "operator" or "api_key:<id>".
  std::string ActorLabel() const;
};

}  // namespace invoicehub::domain
