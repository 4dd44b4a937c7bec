#pragma once
// Every change leaves an entry: who (actor), when, what (action on an
// entity), and the entity before and after as JSON.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct AuditEntry {
  int64_t company_id = 0;
  std::string actor;        // "operator" or "api_key:<id>"
  std::string action;       // e.g. "UpdateInvoice"
  std::string entity_type;  // e.g. "invoice"
  int64_t entity_id = 0;
  std::string request_id;
  std::string before_json;  // empty: the entity did not exist
  std::string after_json;
  absl::Time occurred_at;
};

void AppendAudit(Transaction& tx, const AuditEntry& entry);

// The entries of one entity, oldest first (for tests and support).
std::vector<AuditEntry> ListAudit(Transaction& tx, int64_t company_id, const std::string& entity_type,
                                  int64_t entity_id);

}  // namespace invoicehub::storage
