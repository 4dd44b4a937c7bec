#pragma once
// What Invoicehub asks of a bill-pay service, in its own words. One gateway
// object talks to one bill-pay account (one company). An adapter per vendor
// implements it (HttpBillPayGateway speaks docs/billpay-contract.md); the
// server and storage know only this interface.
//
// Every call answers one of four outcomes, after Kill Bill's payment plugin
// statuses. kUnknown means "may or may not have happened" (a timeout after
// the request left): the caller repeats the call with the same idempotency
// key, which tells, and never guesses.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace invoicehub::billpay {

enum class Outcome {
  kDone,       // it happened; `value` holds the answer
  kRetryable,  // it did not happen; repeat later (5xx, 429, refused connection)
  kPermanent,  // it did not happen and repeating will not help (4xx)
  kUnknown,    // it may have happened; repeat with the same idempotency key
};

// "done", "retryable", "permanent", "unknown".
const char* OutcomeName(Outcome outcome);

template <typename T>
struct Result {
  Outcome outcome = Outcome::kDone;
  T value{};          // meaningful only when outcome == kDone
  std::string error;  // why, when not done; never contains a secret
  int http_status = 0;  // 0 when no answer came
  std::string error_code;  // the vendor's code ("not_found", ...) when it sent one

  bool done() const { return outcome == Outcome::kDone; }
};

struct AccountConfig {
  std::string base_url;  // "https://billpay.example" or "http://127.0.0.1:9100"
  std::string api_key;
};

struct CustomerRecord {
  std::string id;
  std::string external_id;  // our customer id
  std::string name;
  std::string email;
};

struct NewCustomer {
  std::string external_id;
  std::string name;
  std::string email;
};

// BP-1: what a FINAL invoice tells bill-pay.
struct InvoiceDocument {
  std::string customer_id;  // bill-pay's customer id
  std::string external_id;  // our invoice id
  std::string number;
  std::string invoice_date;  // YYYY-MM-DD
  std::string due_date;      // YYYY-MM-DD
  std::string currency;
  int64_t amount_minor = 0;
  int64_t outstanding_minor = 0;
  std::string pdf;  // the PDF's bytes; never the backup attachments (BP-5)
};

// A partial update (BP-11); unset fields are not sent.
struct InvoiceUpdate {
  std::optional<std::string> number;
  std::optional<std::string> invoice_date;
  std::optional<std::string> due_date;
  std::optional<int64_t> amount_minor;
  std::optional<int64_t> outstanding_minor;
  std::optional<std::string> pdf;
};

enum class InvoiceStatus { kOpen, kPaid, kDeleted };

struct InvoiceRecord {
  std::string id;
  std::string customer_id;
  std::string external_id;
  std::string number;
  std::string currency;
  int64_t amount_minor = 0;
  int64_t outstanding_minor = 0;
  InvoiceStatus status = InvoiceStatus::kOpen;
  std::string pay_now_url;  // BP-4
};

enum class PaymentStatus { kSucceeded, kReversed, kDeleted };
enum class PaymentOrigin { kPayer, kApi };

struct PaymentAllocation {
  std::string invoice_id;  // bill-pay's invoice id
  int64_t amount_minor = 0;
};

struct PaymentRecord {
  std::string id;
  std::string customer_id;  // bill-pay's customer id
  std::string currency;
  int64_t amount_minor = 0;
  PaymentStatus status = PaymentStatus::kSucceeded;
  PaymentOrigin origin = PaymentOrigin::kPayer;
  std::string method;           // "card", "ach"
  std::string external_id;      // set by us on payments we create
  std::string reversal_reason;  // "refund", "chargeback" when reversed
  std::string created_date;     // YYYY-MM-DD (UTC) of its creation
  // When it was made (Unix seconds); 0 when bill-pay sent none. The day it
  // was received is taken from this in the company's time zone.
  int64_t created_unix = 0;
  std::vector<PaymentAllocation> allocations;
};

struct PaymentPage {
  std::vector<PaymentRecord> payments;  // changed after the cursor, oldest first
  std::string next_cursor;              // store it once the page is applied
  bool has_more = false;
};

// BP-8: a payment made again in bill-pay when a prepayment is applied.
struct NewPayment {
  std::string customer_id;  // bill-pay's
  std::string invoice_id;   // bill-pay's
  std::string external_id;  // ours, for tracing
  std::string currency;
  int64_t amount_minor = 0;
};

struct WebhookEvent {
  std::string id;    // unique per event, the same on every delivery
  std::string type;  // "payment.succeeded", "payment.reversed"
  int64_t created_unix = 0;
  PaymentRecord payment;
};

class BillPayGateway {
 public:
  virtual ~BillPayGateway() = default;

  // BP-3: nullopt when the account has no customer with this external id.
  virtual Result<std::optional<CustomerRecord>> FindCustomer(const std::string& external_id) = 0;
  // A live customer with the same external id answers kDone with that one.
  virtual Result<CustomerRecord> CreateCustomer(const NewCustomer& customer,
                                                const std::string& idempotency_key) = 0;

  // The live invoice with this external id as it is now; nullopt when none.
  // What a create that got no answer left behind is found this way.
  virtual Result<std::optional<InvoiceRecord>> FindInvoice(const std::string& external_id) = 0;
  // A live invoice with the same external id answers kDone with that one.
  virtual Result<InvoiceRecord> CreateInvoice(const InvoiceDocument& invoice,
                                              const std::string& idempotency_key) = 0;
  virtual Result<InvoiceRecord> UpdateInvoice(const std::string& invoice_id, const InvoiceUpdate& update,
                                              const std::string& idempotency_key) = 0;
  // An invoice that is already gone answers kDone.
  virtual Result<bool> DeleteInvoice(const std::string& invoice_id, const std::string& idempotency_key) = 0;

  virtual Result<PaymentPage> ListPayments(const std::string& after_cursor, int limit) = 0;
  virtual Result<PaymentRecord> CreatePayment(const NewPayment& payment, const std::string& idempotency_key) = 0;
  // A payment that is already gone answers kDone.
  virtual Result<bool> DeletePayment(const std::string& payment_id, const std::string& idempotency_key) = 0;
};

}  // namespace invoicehub::billpay
