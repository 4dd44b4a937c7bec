#pragma once

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "server/domain/lifecycle_event.h"
#include "storage/database.h"

namespace invoicehub::storage {

// Stores the events of a change in its transaction, in order.
void AppendLifecycleEvents(Transaction& tx, int64_t company_id, const std::vector<domain::LifecycleEvent>& events,
                           absl::Time now);

// The company's events about one invoice, oldest first (0: every invoice).
std::vector<domain::LifecycleEvent> ListLifecycleEvents(Transaction& tx, int64_t company_id, int64_t invoice_id = 0);

}  // namespace invoicehub::storage
