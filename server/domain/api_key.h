#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "server/domain/principal.h"

namespace invoicehub::domain {

// An API key as stored: never its secret, only a prefix to tell keys apart.
struct ApiKey {
  int64_t id = 0;
  int64_t company_id = 0;
  std::string display_name;
  Role role = Role::kViewer;
  std::string secret_prefix;
  absl::Time create_time;
  std::optional<absl::Time> revoke_time;
  bool active() const { return !revoke_time.has_value(); }
};

}  // namespace invoicehub::domain
