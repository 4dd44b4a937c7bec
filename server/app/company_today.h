#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::app {

// The civil date of `now` in the company's time zone: dates the client
// leaves out (issue date, payment date) default to it.
absl::StatusOr<absl::CivilDay> TodayForCompany(storage::Transaction& tx, int64_t company_id, absl::Time now);

}  // namespace invoicehub::app
