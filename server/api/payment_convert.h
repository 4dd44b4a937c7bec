#pragma once
// proto <-> domain for payments and the ledger report (the Payment's
// ToProto is declared in proto_convert.h).

#include "invoicehub/v1/admin_service.pb.h"
#include "invoicehub/v1/payment_service.pb.h"
#include "server/app/ledger_check.h"
#include "server/app/payment_actions.h"
#include "server/domain/field_errors.h"
#include "server/domain/payment.h"

namespace invoicehub::api {

// Checks what can be checked without the database, every problem into
// `errors`; the use case adds the rest.
app::PaymentInput FromProto(domain::FieldErrors& errors, const v1::RecordPaymentRequest& request);

void ToProto(const app::LedgerReport& report, v1::CheckLedgerResponse* out);

}  // namespace invoicehub::api
