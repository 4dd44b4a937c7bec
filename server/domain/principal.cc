#include "server/domain/principal.h"

#include "absl/strings/str_cat.h"

namespace invoicehub::domain {

std::string RoleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kClerk: return "clerk";
    case Role::kViewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (Role role : {Role::kAdmin, Role::kClerk, Role::kViewer})
    if (RoleName(role) == name) return role;
  return std::nullopt;
}

bool Principal::Allows(Permission permission) const {
  // The operator creates and looks after companies; it does not keep their books.
  if (is_operator)
    return permission == Permission::kCreateCompanies || permission == Permission::kReadCompany ||
           permission == Permission::kManageCompany;
  switch (permission) {
    case Permission::kCreateCompanies: return false;
    case Permission::kReadCompany: return true;
    case Permission::kManageCompany: return role == Role::kAdmin;
    case Permission::kWriteRecords: return role == Role::kAdmin || role == Role::kClerk;
    case Permission::kReadRecords: return true;
  }
  return false;
}

std::string Principal::ActorLabel() const {
  return is_operator ? std::string("operator") : absl::StrCat("api_key:", api_key_id);
}

}  // namespace invoicehub::domain
