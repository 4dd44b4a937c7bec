#include "server/app/company_today.h"

#include "server/domain/status_macros.h"
#include "storage/company_repository.h"

namespace invoicehub::app {

absl::StatusOr<absl::CivilDay> TodayForCompany(storage::Transaction& tx, int64_t company_id, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(company.time_zone, &zone)) zone = absl::UTCTimeZone();
  return absl::ToCivilDay(now, zone);
}

}  // namespace invoicehub::app
