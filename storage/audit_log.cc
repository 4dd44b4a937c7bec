#include "storage/audit_log.h"

#include <soci/soci.h>

#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kInsertAudit[] =
    "INSERT INTO audit_log (company_id, occurred_at, actor, action, entity_type, entity_id, request_id,"
    " before_state, after_state) VALUES (:company_id, " INVOICEHUB_FROM_MICROS(":at")
    ", :actor, :action, :entity_type, :entity_id, :request_id,"
    " CAST(NULLIF(:before, '') AS jsonb), CAST(NULLIF(:after, '') AS jsonb))";

constexpr char kSelectAudit[] =
    "SELECT actor, action, request_id, COALESCE(before_state::text, ''), COALESCE(after_state::text, ''), "
    INVOICEHUB_MICROS("occurred_at")
    " FROM audit_log WHERE company_id = :company_id AND entity_type = :entity_type AND entity_id = :entity_id"
    " ORDER BY audit_id";

}  // namespace

void AppendAudit(Transaction& tx, const AuditEntry& entry) {
  long long company = entry.company_id, entity = entry.entity_id, at = ToMicros(entry.occurred_at);
  tx.session() << kInsertAudit, soci::use(company, "company_id"), soci::use(at, "at"), soci::use(entry.actor, "actor"),
      soci::use(entry.action, "action"), soci::use(entry.entity_type, "entity_type"), soci::use(entity, "entity_id"),
      soci::use(entry.request_id, "request_id"), soci::use(entry.before_json, "before"),
      soci::use(entry.after_json, "after");
}

std::vector<AuditEntry> ListAudit(Transaction& tx, int64_t company_id, const std::string& entity_type,
                                  int64_t entity_id) {
  long long company = company_id, entity = entity_id;
  soci::rowset<soci::row> rows = (tx.session().prepare << kSelectAudit, soci::use(company, "company_id"),
                                  soci::use(entity_type, "entity_type"), soci::use(entity, "entity_id"));
  std::vector<AuditEntry> entries;
  for (const soci::row& row : rows) {
    AuditEntry entry;
    entry.company_id = company_id;
    entry.entity_type = entity_type;
    entry.entity_id = entity_id;
    entry.actor = row.get<std::string>(0);
    entry.action = row.get<std::string>(1);
    entry.request_id = row.get<std::string>(2);
    entry.before_json = row.get<std::string>(3);
    entry.after_json = row.get<std::string>(4);
    entry.occurred_at = FromMicros(row.get<long long>(5));
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace invoicehub::storage
