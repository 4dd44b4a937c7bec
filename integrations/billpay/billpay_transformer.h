#pragma once
// The one place that knows the vendor's words (docs/billpay-contract.md):
// our structs to its JSON bodies, its JSON back to our structs, and what each
// way an exchange can end (no connection, no answer, an HTTP status, an
// unreadable body) means as an Outcome. HttpBillPayGateway only moves bytes;
// everything here is pure and unit-tested without a network.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "integrations/billpay/billpay_gateway.h"

namespace invoicehub::billpay {

// How far one HTTP exchange got before it ended.
enum class Delivery {
  kAnswered,   // an HTTP answer came: `status` and `body` hold it
  kNotSent,    // no request reached the server (refused, DNS, TLS handshake, connect timeout)
  kMaybeSent,  // the request left but no answer came (timeout, reset, empty reply)
  kUnusable,   // the request could not be formed at all (bad base URL, protocol, id): a setup bug
};

// One exchange as the adapter saw it, before it means anything.
struct HttpExchange {
  std::string method;  // "POST"
  std::string path;    // "/v1/invoices"; without the query, so errors stay short
  Delivery delivery = Delivery::kAnswered;
  std::string transport_error;  // why no answer came (curl's words)
  int status = 0;
  std::string body;
};

// --- requests: our structs as the vendor's JSON bodies.
std::string NewCustomerBody(const NewCustomer& customer);
std::string InvoiceDocumentBody(const InvoiceDocument& invoice);  // the PDF as pdf_base64 (BP-1)
std::string InvoiceUpdateBody(const InvoiceUpdate& update);       // only the fields that are set (BP-11)
std::string NewPaymentBody(const NewPayment& payment);

// --- answers: an exchange as a Result.
// What the status alone says: 2xx done; 408 unknown; 429 retryable; other 4xx
// permanent; 504 unknown (a gateway gave up waiting, the vendor may have
// acted); other 5xx retryable (the contract: nothing was changed).
Outcome OutcomeOfStatus(int status);

Result<CustomerRecord> CustomerResult(const HttpExchange& exchange);
// GET /v1/customers?external_id=: nullopt when the list is empty.
Result<std::optional<CustomerRecord>> CustomerSearchResult(const HttpExchange& exchange);
Result<std::optional<InvoiceRecord>> InvoiceSearchResult(const HttpExchange& exchange);
Result<InvoiceRecord> InvoiceResult(const HttpExchange& exchange);
Result<PaymentRecord> PaymentResult(const HttpExchange& exchange);
Result<PaymentPage> PaymentPageResult(const HttpExchange& exchange);
// DELETE: true when this call deleted the object; a 404 (already gone, or
// never in this account) is done too, with false.
Result<bool> DeletionResult(const HttpExchange& exchange);

// The id in a "409 already_exists" answer to a create, when it is one.
std::optional<std::string> ExistingIdOf(const HttpExchange& exchange);

// --- payments in the vendor's words.
// A payment as the vendor writes it (docs/billpay-contract.md, "Payments"),
// for keeping a payment we could not apply where an admin can read it.
// Reading it back gives the same record. "sequence" is not part of a
// PaymentRecord and is left out; "created" too when it is 0 (not sent).
std::string PaymentRecordJson(const PaymentRecord& payment);

// The vendor's word for a payment status: "succeeded", "reversed", "deleted".
const char* PaymentStatusName(PaymentStatus status);

// The event type that reports a payment in `status`: "payment.succeeded",
// "payment.reversed", and "payment.deleted" (no webhook has that type; it
// names a deleted payment the import found).
std::string PaymentEventType(PaymentStatus status);

// --- webhooks: the raw body of a delivery (check its signature first).
// InvalidArgument, saying what is wrong, when the body is not a well-formed
// event; redelivering the same body will not help. The payment's "status"
// and "origin" are required: a payment whose origin is not known could be
// one we made ourselves (BP-8) and must never pass for a payer's (BP-12).
absl::StatusOr<WebhookEvent> ParseWebhookEvent(std::string_view body);

// Whether a webhook event of `type` reports a payment to apply
// (payment.succeeded, payment.reversed). Any other type is stored and
// ignored.
bool IsAppliedPaymentEventType(std::string_view type);

}  // namespace invoicehub::billpay
