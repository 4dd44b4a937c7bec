#pragma once
// BP-7: before a FINAL invoice goes back to DRAFT or REISSUE, every payment
// bill-pay took on it must be here, or the move would release less than was
// paid. The server imports them itself, or refuses the move. A void of a
// FINAL invoice asks the same first: it is allowed only with nothing paid.

#include <cstdint>

#include "absl/status/status.h"
#include "server/app/billpay_gateways.h"
#include "server/domain/clock.h"

namespace invoicehub::app {

// OK when the invoice has no live bill-pay record (nothing can have been
// paid there), is not FINAL (the move itself will answer), or the import
// succeeded. FAILED_PRECONDITION naming BP-7 and why bill-pay could not be
// asked otherwise; nothing is changed then.
absl::Status ImportPaymentsBeforeMoveBack(BillPayGateways& gateways, int64_t company_id, int64_t invoice_id,
                                          const domain::Clock& clock);

}  // namespace invoicehub::app
