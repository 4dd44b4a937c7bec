#include "integrations/billpay/http_billpay_gateway.h"

#include <curl/curl.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace invoicehub::billpay {
namespace {

// Handles kept open beyond this many idle ones are closed on return.
constexpr size_t kMaxIdleHandles = 8;
// No answer of the contract comes near this; a bigger one is cut off.
constexpr size_t kMaxAnswerBytes = 16 << 20;
// What an error says in place of the key, should a message ever echo it.
constexpr char kKeyPlaceholder[] = "<api key>";

// curl_global_init is not thread-safe and must run once before any handle;
// a function-local static runs it once, on first use, whatever the thread.
// curl_global_cleanup is never called: handles may live until exit.
bool CurlReady() {
  static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ready;
}

// RFC 3986 percent-encoding of everything but the unreserved characters, for
// query values and path segments.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                      byte == '-' || byte == '.' || byte == '_' || byte == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return encoded;
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

size_t AppendAnswer(char* data, size_t size, size_t count, void* answer) {
  auto* body = static_cast<std::string*>(answer);
  size_t bytes = size * count;
  if (body->size() + bytes > kMaxAnswerBytes) return 0;  // curl then fails with CURLE_WRITE_ERROR
  body->append(data, bytes);
  return bytes;
}

// Failures that mean the request could not be formed: repeating cannot help.
bool IsSetupFailure(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
      return true;
    default:
      return false;
  }
}

// Whether any part of the request may have reached the server. curl marks
// "pre-transfer" once the connection (TLS included) is up and the request is
// about to go, and counts the request bytes it wrote; both are zero after a
// refused connection, a failed DNS lookup, a failed TLS handshake or a
// connect timeout.
bool RequestMayHaveLeft(CURL* curl) {
  curl_off_t pretransfer_us = 0;
  long request_bytes = 0;
  curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_bytes);
  return pretransfer_us > 0 || request_bytes > 0;
}

// Frees a curl header list when the request is over.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  bool Add(const std::string& header) {
    curl_slist* longer = curl_slist_append(list, header.c_str());
    if (longer == nullptr) return false;
    list = longer;
    return true;
  }
};

template <typename T>
Result<T> Failed(Outcome outcome, std::string error) {
  Result<T> result;
  result.outcome = outcome;
  result.error = std::move(error);
  return result;
}

// `first`'s error in front of the follow-up's, so the error tells the whole story.
template <typename T, typename U>
Result<T> AfterFollowUp(const Result<U>& follow_up, const std::string& first_error) {
  Result<T> result = Failed<T>(follow_up.outcome, absl::StrCat(first_error, "; then ", follow_up.error));
  result.http_status = follow_up.http_status;
  result.error_code = follow_up.error_code;
  return result;
}

}  // namespace

HttpBillPayGateway::HttpBillPayGateway(AccountConfig account, GatewayOptions options)
    : account_(std::move(account)), options_(options) {
  CurlReady();
}

HttpBillPayGateway::~HttpBillPayGateway() {
  for (void* handle : idle_handles_) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* HttpBillPayGateway::Borrow() {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return CurlReady() ? curl_easy_init() : nullptr;
}

void HttpBillPayGateway::Return(void* handle) {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

HttpExchange HttpBillPayGateway::Send(const Request& request) {
  HttpExchange exchange;
  exchange.method = request.method;
  exchange.path = request.path;
  if (HasLineBreak(account_.api_key) || HasLineBreak(request.idempotency_key)) {
    exchange.delivery = Delivery::kUnusable;
    exchange.transport_error = "the API key or the idempotency key holds a line break";
    return exchange;
  }
  CURL* curl = static_cast<CURL*>(Borrow());
  if (curl == nullptr) {
    exchange.delivery = Delivery::kNotSent;
    exchange.transport_error = "libcurl could not be initialised";
    return exchange;
  }
  // A reset clears the previous call's options but keeps its open
  // connection, which is the point of reusing the handle.
  curl_easy_reset(curl);

  std::string base = account_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = absl::StrCat(base, request.path, request.query.empty() ? "" : "?", request.query);

  HeaderList headers;
  bool headers_ok = headers.Add("Authorization: Bearer " + account_.api_key) &&
                    headers.Add("Accept: application/json") &&
                    // PDFs make big bodies; waiting for "100 Continue" only adds a round trip.
                    headers.Add("Expect:");
  if (!request.body.empty()) headers_ok = headers_ok && headers.Add("Content-Type: application/json");
  if (!request.idempotency_key.empty())
    headers_ok = headers_ok && headers.Add("Idempotency-Key: " + request.idempotency_key);

  char curl_error[CURL_ERROR_SIZE] = {0};
  std::string answer;
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "invoicehub-billpay/1");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendAnswer);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  if (!request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (std::string_view(request.method) != "GET" && std::string_view(request.method) != "POST")
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);

  CURLcode code = headers_ok ? curl_easy_perform(curl) : CURLE_OUT_OF_MEMORY;
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    exchange.delivery = Delivery::kAnswered;
    exchange.status = static_cast<int>(status);
    exchange.body = std::move(answer);
  } else {
    if (IsSetupFailure(code)) exchange.delivery = Delivery::kUnusable;
    else exchange.delivery = RequestMayHaveLeft(curl) ? Delivery::kMaybeSent : Delivery::kNotSent;
    exchange.transport_error = curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code);
  }
  // The handle must not keep pointers into this call's locals.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  Return(curl);
  return exchange;
}

template <typename T>
Result<T> HttpBillPayGateway::Scrubbed(Result<T> result) const {
  if (!account_.api_key.empty()) result.error = absl::StrReplaceAll(result.error, {{account_.api_key, kKeyPlaceholder}});
  return result;
}

Result<std::optional<CustomerRecord>> HttpBillPayGateway::FindCustomer(const std::string& external_id) {
  return Scrubbed(
      CustomerSearchResult(Send({"GET", "/v1/customers", "external_id=" + PercentEncode(external_id), "", ""})));
}

Result<std::optional<InvoiceRecord>> HttpBillPayGateway::FindInvoice(const std::string& external_id) {
  return Scrubbed(
      InvoiceSearchResult(Send({"GET", "/v1/invoices", "external_id=" + PercentEncode(external_id), "", ""})));
}

Result<CustomerRecord> HttpBillPayGateway::CreateCustomer(const NewCustomer& customer,
                                                          const std::string& idempotency_key) {
  HttpExchange created = Send({"POST", "/v1/customers", "", NewCustomerBody(customer), idempotency_key});
  Result<CustomerRecord> result = CustomerResult(created);
  if (!ExistingIdOf(created)) return Scrubbed(std::move(result));
  // BP-3: it exists already (an earlier call of ours got through); answer
  // with that one. The contract reads customers by external id only.
  Result<std::optional<CustomerRecord>> found = FindCustomer(customer.external_id);
  if (!found.done()) return Scrubbed(AfterFollowUp<CustomerRecord>(found, result.error));
  if (!found.value) {
    found.outcome = Outcome::kRetryable;
    found.error = "GET /v1/customers: no customer with this external id";
    return Scrubbed(AfterFollowUp<CustomerRecord>(found, result.error));
  }
  Result<CustomerRecord> existing;
  existing.http_status = found.http_status;
  existing.value = *std::move(found.value);
  return existing;
}

Result<InvoiceRecord> HttpBillPayGateway::CreateInvoice(const InvoiceDocument& invoice,
                                                        const std::string& idempotency_key) {
  HttpExchange created = Send({"POST", "/v1/invoices", "", InvoiceDocumentBody(invoice), idempotency_key});
  Result<InvoiceRecord> result = InvoiceResult(created);
  std::optional<std::string> existing_id = ExistingIdOf(created);
  if (!existing_id) return Scrubbed(std::move(result));
  // A live invoice with this external id exists: answer with it.
  Result<InvoiceRecord> existing = InvoiceResult(Send({"GET", "/v1/invoices/" + PercentEncode(*existing_id), "", "", ""}));
  if (existing.done() && existing.value.status == InvoiceStatus::kDeleted) {
    // Deleted in between: there is no live one now, and a repeat will create it.
    existing.outcome = Outcome::kRetryable;
    existing.error = absl::StrCat("GET /v1/invoices/", *existing_id, ": deleted meanwhile");
  }
  if (!existing.done()) return Scrubbed(AfterFollowUp<InvoiceRecord>(existing, result.error));
  return existing;
}

Result<InvoiceRecord> HttpBillPayGateway::UpdateInvoice(const std::string& invoice_id, const InvoiceUpdate& update,
                                                        const std::string& idempotency_key) {
  // "/v1/invoices/" alone would be another resource; refuse rather than guess.
  if (invoice_id.empty()) return Failed<InvoiceRecord>(Outcome::kPermanent, "PUT /v1/invoices/: no invoice id");
  return Scrubbed(InvoiceResult(
      Send({"PUT", "/v1/invoices/" + PercentEncode(invoice_id), "", InvoiceUpdateBody(update), idempotency_key})));
}

Result<bool> HttpBillPayGateway::DeleteInvoice(const std::string& invoice_id, const std::string& idempotency_key) {
  // Without an id the 404 that came back would read as "already gone".
  if (invoice_id.empty()) return Failed<bool>(Outcome::kPermanent, "DELETE /v1/invoices/: no invoice id");
  return Scrubbed(
      DeletionResult(Send({"DELETE", "/v1/invoices/" + PercentEncode(invoice_id), "", "", idempotency_key})));
}

Result<PaymentPage> HttpBillPayGateway::ListPayments(const std::string& after_cursor, int limit) {
  std::string query = absl::StrCat("limit=", limit);
  if (!after_cursor.empty()) query = absl::StrCat("after=", PercentEncode(after_cursor), "&", query);
  return Scrubbed(PaymentPageResult(Send({"GET", "/v1/payments", query, "", ""})));
}

Result<PaymentRecord> HttpBillPayGateway::CreatePayment(const NewPayment& payment,
                                                        const std::string& idempotency_key) {
  return Scrubbed(PaymentResult(Send({"POST", "/v1/payments", "", NewPaymentBody(payment), idempotency_key})));
}

Result<bool> HttpBillPayGateway::DeletePayment(const std::string& payment_id, const std::string& idempotency_key) {
  if (payment_id.empty()) return Failed<bool>(Outcome::kPermanent, "DELETE /v1/payments/: no payment id");
  return Scrubbed(
      DeletionResult(Send({"DELETE", "/v1/payments/" + PercentEncode(payment_id), "", "", idempotency_key})));
}

}  // namespace invoicehub::billpay
