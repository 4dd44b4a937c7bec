#pragma once
// The PostgreSQL connection pool and the one way to touch it: a transaction
// that commits when its body returns OK and rolls back otherwise, so no call
// ever leaves half its writes behind. SOCI exceptions stop here and become
// absl::Status values.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace soci {
class connection_pool;
class session;
}  // namespace soci

namespace invoicehub::storage {

class Transaction {
 public:
  explicit Transaction(soci::session& session) : session_(session) {}
  soci::session& session() { return session_; }

  // Makes every read of this transaction see one snapshot, for reports that
  // read several tables. Must come before the transaction's first query.
  void ReadOneSnapshot();

 private:
  soci::session& session_;
};

class Database {
 public:
  // Opens `pool_size` connections to `url` (a libpq URI or key=value string).
  static absl::StatusOr<std::unique_ptr<Database>> Connect(const std::string& url, size_t pool_size);
  ~Database();

  // Runs `body` in one READ COMMITTED transaction. Database errors map to
  // statuses: unique violation -> ALREADY_EXISTS, serialization failure or
  // deadlock -> ABORTED, lost connection -> UNAVAILABLE, the rest -> INTERNAL.
  absl::Status InTransaction(const std::function<absl::Status(Transaction&)>& body);

  // OK when a connection answers `SELECT 1`.
  absl::Status Ping();

 private:
  Database(std::unique_ptr<soci::connection_pool> pool, size_t pool_size);
  std::unique_ptr<soci::connection_pool> pool_;
  size_t pool_size_;
};

// Hides the password of a connection URL for logs ("postgresql://u:***@h/db").
std::string MaskDatabaseUrl(const std::string& url);

}  // namespace invoicehub::storage
