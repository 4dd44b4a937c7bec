#include "server/api/payment_service.h"

#include <limits>

#include "server/api/page_token.h"
#include "server/api/payment_convert.h"
#include "server/api/proto_convert.h"
#include "server/app/billpay_import.h"
#include "server/domain/field_errors.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"
#include "storage/customer_repository.h"
#include "storage/payment_repository.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

// Audits what a payment use case changed: the payment and its invoices.
void AuditPaymentMove(MutationScope& scope, int64_t company_id, const app::PaymentMoveResult& result,
                      v1::Payment* payment_response) {
  if (result.payment_before) {
    scope.AuditChange(company_id, "payment", result.payment.id,
                      app::Change<domain::Payment>{*result.payment_before, result.payment}, payment_response);
  } else {
    ToProto(result.payment, payment_response);
    scope.Audit(company_id, "payment", result.payment.id, nullptr, *payment_response);
  }
  for (const app::Change<domain::Invoice>& change : result.invoices) {
    v1::Invoice after;
    scope.AuditChange(company_id, "invoice", change.after.id, change, &after);
  }
}

}  // namespace

grpc::Status PaymentService::RecordPayment(grpc::ServerContext* context, const v1::RecordPaymentRequest* request,
                                           v1::Payment* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    app::PaymentInput input = FromProto(errors, *request);
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::PaymentMoveResult result,
                       app::RecordPayment(scope.tx(), principal.company_id, input, scope.now(), errors));
      AuditPaymentMove(scope, principal.company_id, result, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::GetPayment(grpc::ServerContext* context, const v1::GetPaymentRequest* request,
                                        v1::Payment* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t payment_id = ParseId(errors, "payment_id", request->payment_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Payment payment, storage::FindPayment(tx, principal.company_id, payment_id));
      ToProto(payment, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::ListPayments(grpc::ServerContext* context, const v1::ListPaymentsRequest* request,
                                          v1::ListPaymentsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int page_size = ParsePageSize(errors, request->page_size());
    storage::ListCursor after = ParsePageToken(errors, request->page_token());
    storage::PaymentFilter filter;
    if (!request->customer_id().empty()) filter.customer_id = ParseId(errors, "customer_id", request->customer_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      auto payments = storage::ListPayments(tx, principal.company_id, filter, after, page_size + 1);
      FillPage(
          payments, page_size, [&](const domain::Payment& p) { ToProto(p, response->add_payments()); },
          response->mutable_next_page_token());
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::ListPrepayments(grpc::ServerContext* context, const v1::ListPrepaymentsRequest* request,
                                             v1::ListPrepaymentsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kReadRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    storage::PaymentFilter filter{.customer_id = ParseId(errors, "customer_id", request->customer_id()),
                                  .open_credit_only = true};
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, principal.company_id, filter.customer_id));
      int64_t total_open = 0;
      // A customer has few open prepayments: all of them, in one read.
      for (const domain::Payment& payment : storage::ListPayments(tx, principal.company_id, filter,
                                                                  storage::ListCursor{},
                                                                  std::numeric_limits<int>::max())) {
        ToProto(payment, response->add_payments());
        total_open += payment.unapplied_minor;
      }
      *response->mutable_total_open() = MoneyProto(customer.currency_code, total_open);
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::ApplyPrepayment(grpc::ServerContext* context, const v1::ApplyPrepaymentRequest* request,
                                             v1::ApplyPrepaymentResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t payment_id = ParseId(errors, "payment_id", request->payment_id());
    int64_t invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    std::optional<domain::Money> amount;
    if (request->has_amount()) {
      amount = domain::Money{request->amount().currency_code(), request->amount().minor_units()};
      if (amount->minor_units <= 0) errors.Add("amount.minor_units", "must be more than zero");
    }
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::PaymentMoveResult result, app::ApplyPrepayment(scope.tx(), principal.company_id,
                                                                           payment_id, invoice_id, amount,
                                                                           scope.now()));
      AuditPaymentMove(scope, principal.company_id, result, response->mutable_payment());
      ToProto(result.invoices.front().after, response->mutable_invoice());
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::ReversePayment(grpc::ServerContext* context, const v1::ReversePaymentRequest* request,
                                            v1::Payment* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    domain::FieldErrors errors;
    int64_t payment_id = ParseId(errors, "payment_id", request->payment_id());
    domain::CheckText(errors, "reason", request->reason(), 500, domain::Presence::kRequired);
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::PaymentMoveResult result,
                       app::ReversePayment(scope.tx(), principal.company_id, payment_id, request->version(),
                                           request->reason(), scope.now()));
      AuditPaymentMove(scope, principal.company_id, result, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status PaymentService::ImportPayments(grpc::ServerContext* context, const v1::ImportPaymentsRequest* request,
                                            v1::ImportPaymentsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kWriteRecords, [&](const Principal& principal) {
    absl::StatusOr<app::ImportSummary> summary =
        app::ImportBillPayPayments(deps_.billpay, principal.company_id, deps_.clock);
    if (absl::IsNotFound(summary.status()))
      return domain::RuleViolation("BP-6", "the company has no bill-pay account");
    RETURN_IF_ERROR(summary.status());
    response->set_recorded(summary->recorded);
    response->set_reversed(summary->reversed);
    response->set_unchanged(summary->unchanged);
    response->set_unmatched(summary->unmatched);
    return absl::OkStatus();
  });
}

}  // namespace invoicehub::api
