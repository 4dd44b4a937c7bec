#include "server/api/payment_convert.h"

#include "absl/strings/str_cat.h"
#include "server/api/proto_convert.h"
#include "server/domain/money.h"
#include "server/domain/text_rules.h"

namespace invoicehub::api {
namespace {

v1::PaymentMethod MethodProto(domain::PaymentMethod method) {
  switch (method) {
    case domain::PaymentMethod::kCheck: return v1::PAYMENT_METHOD_CHECK;
    case domain::PaymentMethod::kAch: return v1::PAYMENT_METHOD_ACH;
    case domain::PaymentMethod::kCard: return v1::PAYMENT_METHOD_CARD;
    case domain::PaymentMethod::kWire: return v1::PAYMENT_METHOD_WIRE;
    case domain::PaymentMethod::kCash: return v1::PAYMENT_METHOD_CASH;
    case domain::PaymentMethod::kOther: return v1::PAYMENT_METHOD_OTHER;
  }
  return v1::PAYMENT_METHOD_OTHER;
}

domain::PaymentMethod ParseMethod(domain::FieldErrors& errors, v1::PaymentMethod method) {
  switch (method) {
    case v1::PAYMENT_METHOD_CHECK: return domain::PaymentMethod::kCheck;
    case v1::PAYMENT_METHOD_ACH: return domain::PaymentMethod::kAch;
    case v1::PAYMENT_METHOD_CARD: return domain::PaymentMethod::kCard;
    case v1::PAYMENT_METHOD_WIRE: return domain::PaymentMethod::kWire;
    case v1::PAYMENT_METHOD_CASH: return domain::PaymentMethod::kCash;
    case v1::PAYMENT_METHOD_UNSPECIFIED:
    case v1::PAYMENT_METHOD_OTHER: return domain::PaymentMethod::kOther;
    default: errors.Add("method", "is not a known payment method"); return domain::PaymentMethod::kOther;
  }
}

v1::AllocationState AllocationStateProto(domain::AllocationState state) {
  switch (state) {
    case domain::AllocationState::kApplied: return v1::ALLOCATION_STATE_APPLIED;
    case domain::AllocationState::kReleased: return v1::ALLOCATION_STATE_RELEASED;
    case domain::AllocationState::kReversed: return v1::ALLOCATION_STATE_REVERSED;
  }
  return v1::ALLOCATION_STATE_UNSPECIFIED;
}

}  // namespace

void ToProto(const domain::Payment& payment, v1::Payment* out) {
  const std::string& currency = payment.currency_code;
  out->set_id(FormatId(payment.id));
  out->set_customer_id(FormatId(payment.customer_id));
  *out->mutable_amount() = MoneyProto(currency, payment.amount_minor);
  *out->mutable_received_date() = ToProto(payment.received_date);
  out->set_method(MethodProto(payment.method));
  out->set_reference(payment.reference);
  out->set_state(payment.state == domain::PaymentState::kReversed ? v1::PAYMENT_STATE_REVERSED
                                                                  : v1::PAYMENT_STATE_RECEIVED);
  out->set_reversal_reason(payment.reversal_reason);
  for (const domain::Allocation& allocation : payment.allocations) {
    v1::PaymentAllocation* proto = out->add_allocations();
    proto->set_invoice_id(FormatId(allocation.invoice_id));
    *proto->mutable_amount() = MoneyProto(currency, allocation.amount_minor);
    proto->set_source(allocation.source == domain::AllocationSource::kPrepayment ? v1::ALLOCATION_SOURCE_PREPAYMENT
                                                                                 : v1::ALLOCATION_SOURCE_PAYMENT);
    proto->set_state(AllocationStateProto(allocation.state));
    proto->set_end_reason(allocation.end_reason);
    *proto->mutable_create_time() = ToTimestamp(allocation.create_time);
    if (allocation.end_time) *proto->mutable_end_time() = ToTimestamp(*allocation.end_time);
  }
  *out->mutable_unapplied() = MoneyProto(currency, payment.unapplied_minor);
  out->set_all_invoices_reverted(domain::AllInvoicesReverted(payment));
  out->set_version(payment.version);
  *out->mutable_create_time() = ToTimestamp(payment.create_time);
  *out->mutable_update_time() = ToTimestamp(payment.update_time);
}

app::PaymentInput FromProto(domain::FieldErrors& errors, const v1::RecordPaymentRequest& request) {
  app::PaymentInput input;
  input.customer_id = ParseId(errors, "customer_id", request.customer_id());
  if (!request.has_amount()) {
    errors.Add("amount", "is required");
  } else {
    input.amount = {request.amount().currency_code(), request.amount().minor_units()};
    if (!domain::IsKnownCurrency(input.amount.currency_code))
      errors.Add("amount.currency_code", "must be an ISO 4217 currency code such as \"EUR\"");
    if (input.amount.minor_units <= 0) errors.Add("amount.minor_units", "must be more than zero");
  }
  if (request.has_received_date()) input.received_date = ParseDate(errors, "received_date", request.received_date());
  input.method = ParseMethod(errors, request.method());
  domain::CheckText(errors, "reference", request.reference(), 200, domain::Presence::kOptional);
  input.reference = request.reference();
  for (int i = 0; i < request.allocations_size(); ++i) {
    const v1::AllocationRequest& allocation = request.allocations(i);
    const std::string path = absl::StrCat("allocations[", i, "]");
    app::AllocationInput parsed;
    parsed.invoice_id = ParseId(errors, path + ".invoice_id", allocation.invoice_id());
    if (!allocation.has_amount() || allocation.amount().minor_units() <= 0)
      errors.Add(path + ".amount.minor_units", "must be more than zero");
    parsed.amount = {allocation.amount().currency_code(), allocation.amount().minor_units()};
    input.allocations.push_back(std::move(parsed));
  }
  return input;
}

void ToProto(const app::LedgerReport& report, v1::CheckLedgerResponse* out) {
  out->set_clean(report.differences.empty());
  out->set_invoices_checked(report.invoices_checked);
  out->set_payments_checked(report.payments_checked);
  out->set_difference_count(static_cast<int64_t>(report.differences.size()));
  constexpr size_t kMaxListed = 1000;
  for (size_t i = 0; i < report.differences.size() && i < kMaxListed; ++i) {
    const domain::LedgerDifference& difference = report.differences[i];
    v1::LedgerDifference* proto = out->add_differences();
    proto->set_customer_id(FormatId(difference.customer_id));
    proto->set_subject(difference.subject);
    proto->set_check(difference.check);
    *proto->mutable_expected() = MoneyProto(difference.currency_code, difference.expected_minor);
    *proto->mutable_actual() = MoneyProto(difference.currency_code, difference.actual_minor);
  }
}

}  // namespace invoicehub::api
