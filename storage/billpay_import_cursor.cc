#include "storage/billpay_import_cursor.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kSelectCursor[] = "SELECT cursor FROM billpay_import_cursors WHERE company_id = :company_id";

// A concurrent first import inserts the same row: the second waits for the
// first to commit, then does nothing and locks the row it made.
constexpr char kCreateCursor[] =
    "INSERT INTO billpay_import_cursors (company_id, cursor, update_time)"
    " VALUES (:company_id, '', " INVOICEHUB_FROM_MICROS(":now") ") ON CONFLICT (company_id) DO NOTHING";

constexpr char kSaveCursor[] =
    "INSERT INTO billpay_import_cursors (company_id, cursor, update_time)"
    " VALUES (:company_id, :cursor, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (company_id) DO UPDATE SET cursor = EXCLUDED.cursor, update_time = EXCLUDED.update_time";

}  // namespace

std::optional<std::string> FindImportCursor(Transaction& tx, int64_t company_id, LockMode lock) {
  long long company = company_id;
  std::string cursor;
  tx.session() << absl::StrCat(kSelectCursor, LockClause(lock)), soci::use(company, "company_id"),
      soci::into(cursor);
  if (!tx.session().got_data()) return std::nullopt;
  return cursor;
}

std::string LockImportCursor(Transaction& tx, int64_t company_id, absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  tx.session() << kCreateCursor, soci::use(company, "company_id"), soci::use(micros, "now");
  return FindImportCursor(tx, company_id, LockMode::kForUpdate).value_or("");
}

void SaveImportCursor(Transaction& tx, int64_t company_id, const std::string& cursor, absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  tx.session() << kSaveCursor, soci::use(company, "company_id"), soci::use(cursor, "cursor"),
      soci::use(micros, "now");
}

}  // namespace invoicehub::storage
