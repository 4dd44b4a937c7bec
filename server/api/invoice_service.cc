#include "server/api/invoice_service.h"

#include "server/api/page_token.h"
#include "server/api/proto_convert.h"
#include "server/app/invoice_actions.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"
#include "storage/invoice_repository.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

// The draft fields shared by CreateInvoiceRequest and UpdateInvoiceRequest,
// checked as far as they can be without the database. The app use case adds
// what needs it (the lines against the customer's currency) to the same
// `errors`, so that one answer lists every problem.
template <typename Request>
app::InvoiceDraftInput DraftInputFromProto(domain::FieldErrors& errors, const Request& request) {
  app::InvoiceDraftInput input;
  input.kind = ParseInvoiceKind(errors, "kind", request.kind());
  if (request.has_issue_date()) input.issue_date = ParseDate(errors, "issue_date", request.issue_date());
  if (request.has_due_date()) input.due_date = ParseDate(errors, "due_date", request.due_date());
  if (input.issue_date && input.due_date && *input.due_date < *input.issue_date)
    errors.Add("due_date", "must not be before issue_date");
  domain::CheckText(errors, "po_number", request.po_number(), 64, domain::Presence::kOptional);
  input.po_number = request.po_number();
  input.lines = FromProto(request.lines());
  return input;
}

}  // namespace

grpc::Status InvoiceService::CreateInvoice(grpc::ServerContext* context, const v1::CreateInvoiceRequest* request,
                                           v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    app::InvoiceDraftInput input = DraftInputFromProto(errors, *request);
    input.customer_id = ParseId(errors, "customer_id", request->customer_id());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(domain::Invoice invoice,
                       app::CreateDraftInvoice(scope.tx(), principal.company_id, input, scope.now(), errors));
      ToProto(invoice, response);
      scope.Audit(principal.company_id, "invoice", invoice.id, nullptr, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::GetInvoice(grpc::ServerContext* context, const v1::GetInvoiceRequest* request,
                                        v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, principal.company_id, invoice_id));
      ToProto(invoice, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::ListInvoices(grpc::ServerContext* context, const v1::ListInvoicesRequest* request,
                                          v1::ListInvoicesResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int page_size = ParsePageSize(errors, request->page_size());
    storage::ListCursor after = ParsePageToken(errors, request->page_token());
    storage::InvoiceFilter filter;
    if (!request->customer_id().empty()) filter.customer_id = ParseId(errors, "customer_id", request->customer_id());
    filter.state = ParseInvoiceStateFilter(errors, "state", request->state());
    if (request->has_issue_date_from())
      filter.issued_from = ParseDate(errors, "issue_date_from", request->issue_date_from());
    if (request->has_issue_date_to()) filter.issued_to = ParseDate(errors, "issue_date_to", request->issue_date_to());
    if (filter.issued_from && filter.issued_to && *filter.issued_to < *filter.issued_from)
      errors.Add("issue_date_to", "must not be before issue_date_from");
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      auto invoices = storage::ListInvoices(tx, principal.company_id, filter, after, page_size + 1);
      FillPage(
          invoices, page_size, [&](const domain::Invoice& i) { ToProto(i, response->add_invoices()); },
          response->mutable_next_page_token());
      return absl::OkStatus();
    });
  });
}

grpc::Status InvoiceService::UpdateInvoice(grpc::ServerContext* context, const v1::UpdateInvoiceRequest* request,
                                           v1::Invoice* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    domain::UpdateMask mask = ParseUpdateMask(errors, request->update_mask(), app::kEditableInvoiceFields);
    app::InvoiceDraftInput input = DraftInputFromProto(errors, *request);
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    // Without an invoice there is nothing to check the lines against.
    if (invoice_id == 0) RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(auto change, app::UpdateEditableInvoice(scope.tx(), principal.company_id, invoice_id,
                                                            request->version(), input, mask, scope.now(), errors));
      scope.AuditChange(principal.company_id, "invoice", invoice_id, change, response);
      return absl::OkStatus();
    });
  });
}

}  // namespace invoicehub::api
