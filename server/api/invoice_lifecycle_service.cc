// InvoiceService: the moves between DRAFT, FINAL, REISSUE and VOID.

#include "server/api/invoice_service.h"
#include "server/api/proto_convert.h"
#include "server/app/invoice_lifecycle_actions.h"
#include "server/app/move_back_import.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

// The signature every move of app/invoice_lifecycle_actions.h shares, once
// its extra arguments are bound.
using Move = std::function<absl::StatusOr<app::InvoiceMoveResult>(storage::Transaction&, int64_t company_id,
                                                                  int64_t invoice_id, int64_t version, absl::Time)>;

// Runs one move as a mutation: answers with the invoice, audits it and every
// payment whose allocations it released.
template <typename Request>
absl::Status RunMove(const ApiDeps& deps, const Principal& principal, const Request& request,
                     domain::FieldErrors errors, v1::Invoice* response, const Move& move) {
  int64_t invoice_id = ParseId(errors, "invoice_id", request.invoice_id());
  RETURN_IF_ERROR(errors.ToStatus());
  return RunMutation(deps, principal, request, request.request_id(), response, [&](MutationScope& scope) {
    ASSIGN_OR_RETURN(app::InvoiceMoveResult result,
                     move(scope.tx(), principal.company_id, invoice_id, request.version(), scope.now()));
    scope.AuditChange(principal.company_id, "invoice", invoice_id, result.invoice, response);
    for (const app::Change<domain::Payment>& payment : result.payments) {
      v1::Payment after;
      scope.AuditChange(principal.company_id, "payment", payment.after.id, payment, &after);
    }
    return absl::OkStatus();
  });
}

// BP-7: a move away from FINAL (back, or to VOID, which needs nothing paid)
// imports bill-pay's payments first, outside the move's transaction (it
// calls bill-pay), and is refused if it cannot.
template <typename Request>
absl::Status RunMoveFromFinal(const ApiDeps& deps, const Principal& principal, const Request& request,
                              domain::FieldErrors errors, v1::Invoice* response, const Move& move) {
  domain::FieldErrors id_errors;
  int64_t invoice_id = ParseId(id_errors, "invoice_id", request.invoice_id());
  if (errors.empty() && id_errors.empty())
    RETURN_IF_ERROR(app::ImportPaymentsBeforeMoveBack(deps.billpay, principal.company_id, invoice_id, deps.clock));
  return RunMove(deps, principal, request, std::move(errors), response, move);
}

}  // namespace

grpc::Status InvoiceService::FinalizeInvoice(grpc::ServerContext* context, const v1::FinalizeInvoiceRequest* request,
                                             v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    return RunMove(deps_, principal, *request, {}, response, app::FinalizeInvoice);
  });
}

grpc::Status InvoiceService::ReissueInvoice(grpc::ServerContext* context, const v1::ReissueInvoiceRequest* request,
                                            v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    return RunMoveFromFinal(deps_, principal, *request, {}, response, app::ReissueInvoice);
  });
}

grpc::Status InvoiceService::RevertInvoiceToDraft(grpc::ServerContext* context,
                                                  const v1::RevertInvoiceToDraftRequest* request,
                                                  v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    return RunMoveFromFinal(deps_, principal, *request, {}, response, app::RevertInvoiceToDraft);
  });
}

grpc::Status InvoiceService::VoidInvoice(grpc::ServerContext* context, const v1::VoidInvoiceRequest* request,
                                         v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    domain::CheckText(errors, "reason", request->reason(), 500, domain::Presence::kRequired);
    const std::string& reason = request->reason();
    return RunMoveFromFinal(deps_, principal, *request, std::move(errors), response,
                   [&](storage::Transaction& tx, int64_t company_id, int64_t invoice_id, int64_t version,
                       absl::Time now) { return app::VoidInvoice(tx, company_id, invoice_id, version, reason, now); });
  });
}

}  // namespace invoicehub::api
