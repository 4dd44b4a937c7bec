#include "integrations/billpay/billpay_transformer.h"

#include <time.h>

#include <array>
#include <cstdint>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::billpay {
namespace {

using nlohmann::json;

// How much of an unexpected body an error quotes.
constexpr size_t kBodyQuoteLimit = 200;

// Our strings may hold bytes that are not UTF-8 (a name typed in another
// encoding); nlohmann would throw on them, so they are replaced instead.
std::string Dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }

// --- enum names, one table per enum so both directions agree.
template <typename Enum, size_t N>
using Names = std::array<std::pair<Enum, const char*>, N>;

constexpr Names<InvoiceStatus, 3> kInvoiceStatuses = {{
    {InvoiceStatus::kOpen, "open"},
    {InvoiceStatus::kPaid, "paid"},
    {InvoiceStatus::kDeleted, "deleted"},
}};
constexpr Names<PaymentStatus, 3> kPaymentStatuses = {{
    {PaymentStatus::kSucceeded, "succeeded"},
    {PaymentStatus::kReversed, "reversed"},
    {PaymentStatus::kDeleted, "deleted"},
}};
constexpr Names<PaymentOrigin, 2> kPaymentOrigins = {{
    {PaymentOrigin::kPayer, "payer"},
    {PaymentOrigin::kApi, "api"},
}};

template <typename Enum, size_t N>
const char* NameOf(const Names<Enum, N>& names, Enum value) {
  for (const auto& [each, text] : names)
    if (each == value) return text;
  return names[0].second;
}

// The webhook event types that report a payment (docs/billpay-contract.md, "Webhooks").
constexpr char kPaymentEventPrefix[] = "payment.";
constexpr std::array<const char*, 2> kAppliedPaymentEvents = {"payment.succeeded", "payment.reversed"};

// Reads the fields of one JSON object and keeps the first problem, so a
// parser reads every field in a row and checks once at the end.
class FieldReader {
 public:
  FieldReader(const json& object, std::string what) : object_(object), what_(std::move(what)) {
    if (!object_.is_object()) Fail("is not a JSON object");
  }

  std::string String(const char* name, bool required = true) {
    const json* field = Find(name, required);
    if (field == nullptr) return "";
    if (!field->is_string()) {
      Fail(absl::StrCat("field \"", name, "\" is not a string"));
      return "";
    }
    return field->get<std::string>();
  }

  // A string, or a whole number taken as its digits (opaque tokens such as
  // cursors may come either way).
  std::string Token(const char* name, bool required = true) {
    const json* field = Find(name, required);
    if (field == nullptr) return "";
    if (field->is_string()) return field->get<std::string>();
    if (field->is_number_integer()) return field->dump();
    Fail(absl::StrCat("field \"", name, "\" is neither a string nor a whole number"));
    return "";
  }

  int64_t Integer(const char* name, bool required = true) {
    const json* field = Find(name, required);
    if (field == nullptr) return 0;
    if (!field->is_number_integer() ||
        (field->is_number_unsigned() && field->get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()})) {
      Fail(absl::StrCat("field \"", name, "\" is not a whole number"));
      return 0;
    }
    return field->get<int64_t>();
  }

  bool Bool(const char* name, bool required = true) {
    const json* field = Find(name, required);
    if (field == nullptr) return false;
    if (!field->is_boolean()) {
      Fail(absl::StrCat("field \"", name, "\" is not true or false"));
      return false;
    }
    return field->get<bool>();
  }

  template <typename Enum, size_t N>
  Enum OneOf(const char* name, const Names<Enum, N>& names, bool required = true) {
    const json* field = Find(name, required);
    if (field == nullptr) return names[0].first;
    if (field->is_string())
      for (const auto& [value, text] : names)
        if (field->get<std::string>() == text) return value;
    Fail(absl::StrCat("field \"", name, "\" has an unknown value ", Dump(*field)));
    return names[0].first;
  }

  // The field itself (an object or array to read further); nullptr when absent.
  const json* Child(const char* name, bool required = true) { return Find(name, required); }

  void Fail(const std::string& problem) {
    if (status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat(what_, " ", problem));
  }
  const absl::Status& status() const { return status_; }
  const std::string& what() const { return what_; }

 private:
  // An optional field that is null counts as absent.
  const json* Find(const char* name, bool required) {
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(name);
    if (it == object_.end() || (!required && it->is_null())) {
      if (required) Fail(absl::StrCat("has no field \"", name, "\""));
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string what_;
  absl::Status status_;
};

// Unix seconds as the UTC date "YYYY-MM-DD"; "" for 0 (not sent).
std::string UtcDate(int64_t unix_seconds) {
  if (unix_seconds == 0) return "";
  time_t seconds = static_cast<time_t>(unix_seconds);
  struct tm parts {};
  if (gmtime_r(&seconds, &parts) == nullptr) return "";
  char text[16];
  if (strftime(text, sizeof text, "%Y-%m-%d", &parts) == 0) return "";
  return text;
}

absl::StatusOr<CustomerRecord> ReadCustomer(const json& body) {
  FieldReader fields(body, "customer");
  CustomerRecord customer;
  customer.id = fields.String("id");
  customer.external_id = fields.String("external_id");
  customer.name = fields.String("name", false);
  customer.email = fields.String("email", false);
  if (!fields.status().ok()) return fields.status();
  return customer;
}

absl::StatusOr<InvoiceRecord> ReadInvoice(const json& body) {
  FieldReader fields(body, "invoice");
  InvoiceRecord invoice;
  invoice.id = fields.String("id");
  invoice.customer_id = fields.String("customer_id", false);
  invoice.external_id = fields.String("external_id", false);
  invoice.number = fields.String("number", false);
  invoice.currency = fields.String("currency", false);
  invoice.amount_minor = fields.Integer("amount");
  invoice.outstanding_minor = fields.Integer("outstanding");
  invoice.status = fields.OneOf("status", kInvoiceStatuses);
  // BP-4: a live invoice without its Pay Now URL is of no use to us.
  invoice.pay_now_url = fields.String("pay_now_url", invoice.status != InvoiceStatus::kDeleted);
  if (!fields.status().ok()) return fields.status();
  return invoice;
}

absl::StatusOr<PaymentRecord> ReadPayment(const json& body, const std::string& what = "payment") {
  FieldReader fields(body, what);
  PaymentRecord payment;
  payment.id = fields.String("id");
  payment.customer_id = fields.String("customer_id");
  payment.currency = fields.String("currency");
  payment.amount_minor = fields.Integer("amount");
  payment.status = fields.OneOf("status", kPaymentStatuses);
  // Required: a payment of unknown origin may be one we made (BP-8), and
  // taking it for a payer's would record it twice (BP-12).
  payment.origin = fields.OneOf("origin", kPaymentOrigins);
  payment.method = fields.String("method", false);
  payment.external_id = fields.String("external_id", false);
  payment.reversal_reason = fields.String("reversal_reason", false);
  payment.created_unix = fields.Integer("created", false);
  payment.created_date = UtcDate(payment.created_unix);
  if (const json* allocations = fields.Child("allocations", false); allocations != nullptr) {
    if (!allocations->is_array()) fields.Fail("field \"allocations\" is not an array");
    else
      for (const json& each : *allocations) {
        FieldReader allocation(each, absl::StrCat(what, " allocation"));
        PaymentAllocation read{allocation.String("invoice_id"), allocation.Integer("amount")};
        if (!allocation.status().ok()) return allocation.status();
        payment.allocations.push_back(std::move(read));
      }
  }
  if (!fields.status().ok()) return fields.status();
  return payment;
}

absl::StatusOr<PaymentPage> ReadPaymentPage(const json& body) {
  FieldReader fields(body, "payment list");
  PaymentPage page;
  const json* data = fields.Child("data");
  page.next_cursor = fields.Token("next_cursor");
  page.has_more = fields.Bool("has_more");
  if (data != nullptr && !data->is_array()) fields.Fail("field \"data\" is not an array");
  if (!fields.status().ok()) return fields.status();
  for (const json& each : *data) {
    absl::StatusOr<PaymentRecord> payment = ReadPayment(each);
    if (!payment.ok()) return payment.status();
    page.payments.push_back(*std::move(payment));
  }
  return page;
}

absl::StatusOr<std::optional<CustomerRecord>> ReadCustomerSearch(const json& body) {
  FieldReader fields(body, "customer list");
  const json* data = fields.Child("data");
  if (data != nullptr && !data->is_array()) fields.Fail("field \"data\" is not an array");
  if (!fields.status().ok()) return fields.status();
  if (data->empty()) return std::optional<CustomerRecord>();
  if (data->size() > 1) return absl::InvalidArgumentError("customer list has more than one customer");
  absl::StatusOr<CustomerRecord> customer = ReadCustomer(data->front());
  if (!customer.ok()) return customer.status();
  return std::optional<CustomerRecord>(*std::move(customer));
}

absl::StatusOr<std::optional<InvoiceRecord>> ReadInvoiceSearch(const json& body) {
  FieldReader fields(body, "invoice list");
  const json* data = fields.Child("data");
  if (data != nullptr && !data->is_array()) fields.Fail("field \"data\" is not an array");
  if (!fields.status().ok()) return fields.status();
  if (data->empty()) return std::optional<InvoiceRecord>();
  if (data->size() > 1) return absl::InvalidArgumentError("invoice list has more than one live invoice");
  absl::StatusOr<InvoiceRecord> invoice = ReadInvoice(data->front());
  if (!invoice.ok()) return invoice.status();
  return std::optional<InvoiceRecord>(*std::move(invoice));
}

// The start of a body for an error message, without control characters.
std::string Quote(std::string_view body) {
  std::string quoted(body.substr(0, kBodyQuoteLimit));
  for (char& c : quoted)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (body.size() > kBodyQuoteLimit) quoted += "...";
  return quoted;
}

absl::StatusOr<json> ParseJson(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
    return absl::InvalidArgumentError(absl::StrCat("body is not JSON: \"", Quote(body), "\""));
  return parsed;
}

// The vendor's {"error": {"code", "message"}}, when the body holds one.
struct VendorError {
  std::string code;
  std::string message;
  std::string existing_id;
};
std::optional<VendorError> ReadVendorError(std::string_view body) {
  absl::StatusOr<json> parsed = ParseJson(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  auto error = parsed->find("error");
  if (error == parsed->end() || !error->is_object()) return std::nullopt;
  FieldReader fields(*error, "error");
  VendorError read;
  read.code = fields.String("code", false);
  read.message = fields.String("message", false);
  read.existing_id = fields.String("existing_id", false);
  if (!fields.status().ok()) return std::nullopt;
  return read;
}

// Everything but reading a 2xx body: the transport, the status and the
// vendor's error. `read` turns a 2xx body into the value.
template <typename T, typename ReadBody>
Result<T> Interpret(const HttpExchange& exchange, ReadBody read) {
  Result<T> result;
  std::string where = absl::StrCat(exchange.method, " ", exchange.path, ": ");
  switch (exchange.delivery) {
    case Delivery::kNotSent:
      result.outcome = Outcome::kRetryable;
      result.error = absl::StrCat(where, "not sent: ", exchange.transport_error);
      return result;
    case Delivery::kMaybeSent:
      result.outcome = Outcome::kUnknown;
      result.error = absl::StrCat(where, "no answer: ", exchange.transport_error);
      return result;
    case Delivery::kUnusable:
      result.outcome = Outcome::kPermanent;
      result.error = absl::StrCat(where, "cannot be sent: ", exchange.transport_error);
      return result;
    case Delivery::kAnswered:
      break;
  }
  result.http_status = exchange.status;
  result.outcome = OutcomeOfStatus(exchange.status);
  if (result.outcome == Outcome::kDone) {
    absl::StatusOr<T> value = read(exchange);
    if (value.ok()) {
      result.value = *std::move(value);
      return result;
    }
    // The call went through, but we cannot tell what it did.
    result.outcome = Outcome::kUnknown;
    result.error = absl::StrCat(where, exchange.status, " with an unreadable answer: ", value.status().message());
    return result;
  }
  if (std::optional<VendorError> error = ReadVendorError(exchange.body)) {
    result.error_code = error->code;
    result.error = absl::StrCat(where, exchange.status, " ", error->code, ": ", error->message);
  } else {
    result.error = absl::StrCat(where, exchange.status, " without an error object: \"", Quote(exchange.body), "\"");
  }
  return result;
}

template <typename T>
using JsonReader = absl::StatusOr<T> (*)(const json&);

// A reader of 2xx bodies that are JSON read by `read`.
template <typename T>
auto JsonBody(JsonReader<T> read) {
  return [read](const HttpExchange& exchange) -> absl::StatusOr<T> {
    absl::StatusOr<json> parsed = ParseJson(exchange.body);
    if (!parsed.ok()) return parsed.status();
    return read(*parsed);
  };
}

}  // namespace

std::string NewCustomerBody(const NewCustomer& customer) {
  return Dump({{"external_id", customer.external_id}, {"name", customer.name}, {"email", customer.email}});
}

std::string InvoiceDocumentBody(const InvoiceDocument& invoice) {
  return Dump({
      {"customer_id", invoice.customer_id},
      {"external_id", invoice.external_id},
      {"number", invoice.number},
      {"invoice_date", invoice.invoice_date},
      {"due_date", invoice.due_date},
      {"currency", invoice.currency},
      {"amount", invoice.amount_minor},
      {"outstanding", invoice.outstanding_minor},
      {"pdf_base64", absl::Base64Escape(invoice.pdf)},
  });
}

std::string InvoiceUpdateBody(const InvoiceUpdate& update) {
  json body = json::object();
  if (update.number) body["number"] = *update.number;
  if (update.invoice_date) body["invoice_date"] = *update.invoice_date;
  if (update.due_date) body["due_date"] = *update.due_date;
  if (update.amount_minor) body["amount"] = *update.amount_minor;
  if (update.outstanding_minor) body["outstanding"] = *update.outstanding_minor;
  if (update.pdf) body["pdf_base64"] = absl::Base64Escape(*update.pdf);
  return Dump(body);
}

std::string NewPaymentBody(const NewPayment& payment) {
  return Dump({
      {"customer_id", payment.customer_id},
      {"invoice_id", payment.invoice_id},
      {"amount", payment.amount_minor},
      {"currency", payment.currency},
      {"external_id", payment.external_id},
  });
}

Outcome OutcomeOfStatus(int status) {
  if (status >= 200 && status <= 299) return Outcome::kDone;
  if (status == 408) return Outcome::kUnknown;  // the server gave up reading; it may have acted
  if (status == 429) return Outcome::kRetryable;
  if (status == 504) return Outcome::kUnknown;
  if (status >= 500 && status <= 599) return Outcome::kRetryable;
  // 3xx too: redirects are not followed, so a redirect means a wrong base URL.
  if (status >= 300 && status <= 499) return Outcome::kPermanent;
  return Outcome::kUnknown;  // not HTTP as we know it
}

Result<CustomerRecord> CustomerResult(const HttpExchange& exchange) {
  return Interpret<CustomerRecord>(exchange, JsonBody<CustomerRecord>(&ReadCustomer));
}

Result<std::optional<CustomerRecord>> CustomerSearchResult(const HttpExchange& exchange) {
  return Interpret<std::optional<CustomerRecord>>(exchange,
                                                  JsonBody<std::optional<CustomerRecord>>(&ReadCustomerSearch));
}

Result<std::optional<InvoiceRecord>> InvoiceSearchResult(const HttpExchange& exchange) {
  return Interpret<std::optional<InvoiceRecord>>(exchange,
                                                 JsonBody<std::optional<InvoiceRecord>>(&ReadInvoiceSearch));
}

Result<InvoiceRecord> InvoiceResult(const HttpExchange& exchange) {
  return Interpret<InvoiceRecord>(exchange, JsonBody<InvoiceRecord>(&ReadInvoice));
}

Result<PaymentRecord> PaymentResult(const HttpExchange& exchange) {
  return Interpret<PaymentRecord>(exchange, JsonBody<PaymentRecord>([](const json& body) { return ReadPayment(body); }));
}

Result<PaymentPage> PaymentPageResult(const HttpExchange& exchange) {
  return Interpret<PaymentPage>(exchange, JsonBody<PaymentPage>(&ReadPaymentPage));
}

Result<bool> DeletionResult(const HttpExchange& exchange) {
  if (exchange.delivery == Delivery::kAnswered && exchange.status == 404) {
    Result<bool> gone;
    gone.http_status = 404;
    if (std::optional<VendorError> error = ReadVendorError(exchange.body)) gone.error_code = error->code;
    gone.value = false;
    return gone;
  }
  // A 2xx says it is deleted now; what else the body says does not matter.
  return Interpret<bool>(exchange, [](const HttpExchange&) -> absl::StatusOr<bool> { return true; });
}

std::optional<std::string> ExistingIdOf(const HttpExchange& exchange) {
  if (exchange.delivery != Delivery::kAnswered || exchange.status != 409) return std::nullopt;
  std::optional<VendorError> error = ReadVendorError(exchange.body);
  if (!error || error->code != "already_exists" || error->existing_id.empty()) return std::nullopt;
  return error->existing_id;
}

absl::StatusOr<WebhookEvent> ParseWebhookEvent(std::string_view body) {
  absl::StatusOr<json> parsed = ParseJson(body);
  if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("webhook event: ", parsed.status().message()));
  FieldReader fields(*parsed, "webhook event");
  WebhookEvent event;
  event.id = fields.String("id");
  event.type = fields.String("type");
  event.created_unix = fields.Integer("created");
  // Every event we know (payment.succeeded, payment.reversed) carries the
  // payment; an event of another kind is read without its data and left to
  // the receiver to ignore.
  if (!fields.status().ok()) return fields.status();
  if (!event.type.starts_with(kPaymentEventPrefix)) return event;
  const json* data = fields.Child("data");
  if (!fields.status().ok()) return fields.status();
  FieldReader data_fields(*data, "webhook event data");
  const json* payment = data_fields.Child("payment");
  if (!data_fields.status().ok()) return data_fields.status();
  absl::StatusOr<PaymentRecord> read = ReadPayment(*payment, "webhook event payment");
  if (!read.ok()) return read.status();
  event.payment = *std::move(read);
  return event;
}

bool IsAppliedPaymentEventType(std::string_view type) {
  for (const char* applied : kAppliedPaymentEvents)
    if (type == applied) return true;
  return false;
}

const char* PaymentStatusName(PaymentStatus status) { return NameOf(kPaymentStatuses, status); }

std::string PaymentEventType(PaymentStatus status) {
  return absl::StrCat(kPaymentEventPrefix, PaymentStatusName(status));
}

std::string PaymentRecordJson(const PaymentRecord& payment) {
  json allocations = json::array();
  for (const PaymentAllocation& allocation : payment.allocations)
    allocations.push_back({{"invoice_id", allocation.invoice_id}, {"amount", allocation.amount_minor}});
  json body = {
      {"id", payment.id},
      {"customer_id", payment.customer_id},
      {"currency", payment.currency},
      {"amount", payment.amount_minor},
      {"status", PaymentStatusName(payment.status)},
      {"method", payment.method},
      {"origin", NameOf(kPaymentOrigins, payment.origin)},
      {"external_id", payment.external_id},
      {"allocations", allocations},
      {"reversal_reason", payment.reversal_reason},
  };
  if (payment.created_unix != 0) body["created"] = payment.created_unix;
  return Dump(body);
}

}  // namespace invoicehub::billpay
