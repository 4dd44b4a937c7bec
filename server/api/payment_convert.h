#pragma once
// proto <-> domain for payments and the ledger report.

#include <vector>

#include "invoicehub/v1/admin_service.pb.h"
#include "invoicehub/v1/payment_service.pb.h"
#include "server/api/call_handling.h"
#include "server/app/change.h"
#include "server/app/ledger_check.h"
#include "server/app/payment_actions.h"
#include "server/domain/field_errors.h"
#include "server/domain/payment.h"

namespace invoicehub::api {

void ToProto(const domain::Payment& payment, v1::Payment* out);

// Checks what can be checked without the database, every problem into
// `errors`; the use case adds the rest.
app::PaymentInput FromProto(domain::FieldErrors& errors, const v1::RecordPaymentRequest& request);

void ToProto(const app::LedgerReport& report, v1::CheckLedgerResponse* out);

// Audits each payment a change moved money on.
void AuditPayments(MutationScope& scope, int64_t company_id,
                   const std::vector<app::Change<domain::Payment>>& changes);

}  // namespace invoicehub::api
