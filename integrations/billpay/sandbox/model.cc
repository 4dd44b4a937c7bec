#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {

NLOHMANN_JSON_SERIALIZE_ENUM(PaymentStatus, {{PaymentStatus::kSucceeded, "succeeded"},
                                             {PaymentStatus::kReversed, "reversed"},
                                             {PaymentStatus::kDeleted, "deleted"}})
NLOHMANN_JSON_SERIALIZE_ENUM(PaymentOrigin, {{PaymentOrigin::kPayer, "payer"}, {PaymentOrigin::kApi, "api"}})

// The state file's field names are the records' member names.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Account, id, name, api_key, webhook_secret, webhook_url, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Customer, id, external_id, name, email, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Invoice, id, customer_id, external_id, number, invoice_date, due_date,
                                                currency, amount, outstanding, deleted, pay_now_url, pay_token,
                                                pdf_sha256, created, updated)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Allocation, invoice_id, amount, lowered)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Payment, id, customer_id, currency, amount, status, method, origin,
                                                external_id, allocations, reversal_reason, created, sequence)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StoredAnswer, method, path, status, body, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Delivery, event_id, type, attempt, http_status, error, outcome, at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PendingWebhook, id, event_id, type, body, attempts, due_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AccountBook, account, last_sequence, customers, invoices, payments,
                                                answers, deliveries, pending_webhooks)

const char* InvoiceStatusName(const Invoice& invoice) {
  if (invoice.deleted) return "deleted";
  return invoice.outstanding == 0 ? "paid" : "open";
}

const char* PaymentStatusName(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::kSucceeded:
      return "succeeded";
    case PaymentStatus::kReversed:
      return "reversed";
    case PaymentStatus::kDeleted:
      return "deleted";
  }
  return "unknown";
}

Json CustomerView(const Customer& customer) {
  return {{"id", customer.id},
          {"external_id", customer.external_id},
          {"name", customer.name},
          {"email", customer.email},
          {"created", customer.created}};
}

Json InvoiceView(const Invoice& invoice) {
  return {{"id", invoice.id},
          {"customer_id", invoice.customer_id},
          {"external_id", invoice.external_id},
          {"number", invoice.number},
          {"invoice_date", invoice.invoice_date},
          {"due_date", invoice.due_date},
          {"currency", invoice.currency},
          {"amount", invoice.amount},
          {"outstanding", invoice.outstanding},
          {"status", InvoiceStatusName(invoice)},
          {"pay_now_url", invoice.pay_now_url},
          {"pdf_sha256", invoice.pdf_sha256},
          {"created", invoice.created},
          {"updated", invoice.updated}};
}

Json PaymentView(const Payment& payment) {
  Json allocations = Json::array();
  for (const Allocation& allocation : payment.allocations)
    allocations.push_back({{"invoice_id", allocation.invoice_id}, {"amount", allocation.amount}});
  return {{"id", payment.id},
          {"customer_id", payment.customer_id},
          {"currency", payment.currency},
          {"amount", payment.amount},
          {"status", PaymentStatusName(payment.status)},
          {"method", payment.method},
          {"origin", payment.origin == PaymentOrigin::kPayer ? "payer" : "api"},
          {"external_id", payment.external_id},
          {"allocations", std::move(allocations)},
          {"reversal_reason", payment.reversal_reason},
          {"created", payment.created},
          {"sequence", payment.sequence}};
}

Json BookToJson(const AccountBook& book) { return book; }

AccountBook BookFromJson(const Json& json) { return json.get<AccountBook>(); }

}  // namespace invoicehub::billpay::sandbox
