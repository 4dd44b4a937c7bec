#pragma once
// Schema migrations, compiled into the binary from storage/migrations/ so a
// server never runs against SQL files from another version.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace invoicehub::storage {

struct Migration {
  int version;       // from the file name, NNNN_name.sql
  std::string name;
  std::string sql;
};

// The migrations of storage/migrations/, in version order (generated).
const std::vector<Migration>& EmbeddedMigrations();

// Applies the migrations missing from `url`'s database in one transaction,
// under a PostgreSQL advisory lock, so that servers starting together apply
// each migration exactly once. Returns how many it applied.
absl::StatusOr<int> ApplyMigrations(const std::string& url, const std::vector<Migration>& migrations);

class Database;
// OK when every embedded migration is recorded as applied.
absl::Status CheckMigrationsApplied(Database& database);

}  // namespace invoicehub::storage
