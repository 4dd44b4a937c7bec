#include "integrations/billpay/sandbox/sandbox_api.h"

#include <httplib.h>

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "integrations/billpay/sandbox/http_replies.h"
#include "integrations/billpay/sandbox/request_log.h"
#include "integrations/billpay/sandbox/sandbox_clock.h"
#include "integrations/billpay/sandbox/sandbox_context.h"

namespace invoicehub::billpay::sandbox {
namespace {

constexpr size_t kMaxIdempotencyKeyLength = 255;
constexpr int kMaxPageSize = 100;
constexpr char kReplayedHeader[] = "Idempotent-Replayed";

using Request = httplib::Request;
using Response = httplib::Response;
// A /v1 operation, given the account that the bearer key names.
using ChangeFn = std::function<Reply(SandboxState&, AccountBook&, const Request&)>;
using ReadFn = std::function<Reply(const SandboxState&, const AccountBook&, const Request&)>;

std::string BearerKey(const Request& request) {
  std::string header = request.get_header_value("Authorization");
  constexpr char kScheme[] = "Bearer ";
  constexpr size_t kSchemeLength = sizeof kScheme - 1;
  if (header.size() <= kSchemeLength || !absl::EqualsIgnoreCase(header.substr(0, kSchemeLength), kScheme)) return "";
  return std::string(absl::StripAsciiWhitespace(header.substr(kSchemeLength)));
}

// Keys are stored and saved as JSON: printable ASCII keeps them intact.
bool ValidIdempotencyKey(const std::string& key) {
  if (key.size() > kMaxIdempotencyKeyLength) return false;
  for (char c : key)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

Reply Unauthorized() { return ErrorReply(401, "unauthorized", "missing or unknown API key"); }

void Send(Response& response, const Reply& reply) {
  response.status = reply.status;
  response.set_content(reply.body, "application/json");
}

template <typename T, typename View>
Reply Answer(const absl::StatusOr<T>& result, int status, View view) {
  if (!result.ok()) return StatusReply(result.status());
  return JsonReply(status, view(*result));
}

template <typename T, typename View>
Json ListOf(const std::vector<T>& items, View view) {
  Json data = Json::array();
  for (const T& item : items) data.push_back(view(item));
  return {{"data", std::move(data)}};
}

// Injected latency, then maybe an injected 503 before anything is looked at
// or changed. False when the call ends here.
bool PassEntryFaults(SandboxContext& context, const Faults& faults, Response& response) {
  context.sleeper.Sleep(std::chrono::milliseconds(context.faults.Delay(faults.latency_ms)));
  if (!context.faults.Roll(faults.error_rate)) return true;
  Send(response, ErrorReply(503, "unavailable", "injected fault (error_rate): nothing was changed"));
  return false;
}

httplib::Server::Handler Reading(SandboxContext& context, ReadFn read) {
  return [&context, read = std::move(read)](const Request& request, Response& response) {
    if (!PassEntryFaults(context, context.faults.faults(), response)) return;
    Send(response, context.store.Read([&](const SandboxState& state) {
      const AccountBook* book = state.FindBookByApiKey(BearerKey(request));
      if (book == nullptr) return Unauthorized();
      NoteAccount(book->account.id);
      return read(state, *book, request);
    }));
  };
}

// The contract's idempotency: under the one state lock, so two requests
// with the same key cannot both run. A completed answer (2xx, 4xx) is stored
// with the change, in the same saved state; a repeat gets it back verbatim.
httplib::Server::Handler Changing(SandboxContext& context, ChangeFn change) {
  return [&context, change = std::move(change)](const Request& request, Response& response) {
    Faults faults = context.faults.faults();
    if (!PassEntryFaults(context, faults, response)) return;
    std::string key = request.get_header_value("Idempotency-Key");
    bool replayed = false;
    bool stored = false;
    Reply reply = context.store.Change([&](SandboxState& state) {
      AccountBook* book = state.FindBookByApiKey(BearerKey(request));
      if (book == nullptr) return Unauthorized();
      NoteAccount(book->account.id);
      if (key.empty()) return ErrorReply(422, "missing_idempotency_key", "every change needs an Idempotency-Key");
      if (!ValidIdempotencyKey(key))
        return ErrorReply(400, "invalid_request", "Idempotency-Key: at most 255 printable ASCII characters");
      if (auto answer = book->answers.find(key); answer != book->answers.end()) {
        if (answer->second.method != request.method || answer->second.path != request.path)
          return ErrorReply(
              422, "idempotency_key_reused",
              absl::StrCat("this Idempotency-Key was used for ", answer->second.method, " ", answer->second.path));
        replayed = true;
        return Reply{answer->second.status, answer->second.body};
      }
      Reply fresh = change(state, *book, request);
      if (fresh.status < 500) {
        book->answers[key] = StoredAnswer{request.method, request.path, fresh.status, fresh.body, NowUnix()};
        stored = true;
      }
      return fresh;
    });
    // The change is stored and would be replayed; only the answer is late.
    if (stored && context.faults.Roll(faults.timeout_after_commit_rate))
      context.sleeper.Sleep(std::chrono::milliseconds(faults.hang_ms));
    if (replayed) response.set_header(kReplayedHeader, "true");
    Send(response, reply);
  };
}

// --- customers

Reply CreateCustomer(SandboxState& state, AccountBook& book, const Request& request) {
  absl::StatusOr<NewCustomer> customer = ParseNewCustomer(request.body);
  if (!customer.ok()) return StatusReply(customer.status());
  return Answer(state.CreateCustomer(book, *customer, NowUnix()), 201, CustomerView);
}

Reply ListCustomers(const SandboxState& state, const AccountBook& book, const Request& request) {
  return JsonReply(200, ListOf(state.FindCustomers(book, request.get_param_value("external_id")), CustomerView));
}

Reply GetCustomer(const SandboxState& state, const AccountBook& book, const Request& request) {
  return Answer(state.GetCustomer(book, request.matches[1].str()), 200, CustomerView);
}

// --- invoices

Reply CreateInvoice(SandboxState& state, AccountBook& book, const Request& request) {
  absl::StatusOr<NewInvoice> invoice = ParseNewInvoice(request.body);
  if (!invoice.ok()) return StatusReply(invoice.status());
  return Answer(state.CreateInvoice(book, *invoice, NowUnix()), 201, InvoiceView);
}

Reply UpdateInvoice(SandboxState& state, AccountBook& book, const Request& request) {
  absl::StatusOr<InvoiceChanges> changes = ParseInvoiceChanges(request.body);
  if (!changes.ok()) return StatusReply(changes.status());
  return Answer(state.UpdateInvoice(book, request.matches[1].str(), *changes, NowUnix()), 200, InvoiceView);
}

Reply DeleteInvoice(SandboxState& state, AccountBook& book, const Request& request) {
  return Answer(state.DeleteInvoice(book, request.matches[1].str(), NowUnix()), 200, InvoiceView);
}

Reply GetInvoice(const SandboxState& state, const AccountBook& book, const Request& request) {
  return Answer(state.GetInvoice(book, request.matches[1].str()), 200, InvoiceView);
}

Reply ListInvoices(const SandboxState& state, const AccountBook& book, const Request& request) {
  return JsonReply(200, ListOf(state.FindLiveInvoices(book, request.get_param_value("external_id")), InvoiceView));
}

// --- payments

Reply CreatePayment(SandboxState& state, AccountBook& book, const Request& request) {
  absl::StatusOr<NewApiPayment> payment = ParseNewApiPayment(request.body);
  if (!payment.ok()) return StatusReply(payment.status());
  return Answer(state.CreateApiPayment(book, *payment, NowUnix()), 201, PaymentView);
}

Reply DeletePayment(SandboxState& state, AccountBook& book, const Request& request) {
  return Answer(state.DeletePayment(book, request.matches[1].str()), 200, PaymentView);
}

Reply GetPayment(const SandboxState& state, const AccountBook& book, const Request& request) {
  return Answer(state.GetPayment(book, request.matches[1].str()), 200, PaymentView);
}

// GET /v1/payments?after=<cursor>&limit=<1..100>: the cursor is the
// sequence of the last change the caller has seen.
Reply ListChangedPayments(const SandboxState& state, const AccountBook& book, const Request& request) {
  int64_t after = 0;
  int limit = kMaxPageSize;
  std::string after_text = request.get_param_value("after");
  std::string limit_text = request.get_param_value("limit");
  if (!after_text.empty() && !(absl::SimpleAtoi(after_text, &after) && after >= 0))
    return ErrorReply(400, "invalid_request", "after: must be a cursor from next_cursor");
  if (!limit_text.empty() && !(absl::SimpleAtoi(limit_text, &limit) && limit >= 1 && limit <= kMaxPageSize))
    return ErrorReply(400, "invalid_request", "limit: must be from 1 to 100");
  PaymentPage page = state.ListChangedPayments(book, after, limit);
  Json body = ListOf(page.payments, PaymentView);
  body["next_cursor"] = std::to_string(page.next_cursor);
  body["has_more"] = page.has_more;
  return JsonReply(200, body);
}

}  // namespace

void RegisterApiRoutes(httplib::Server& server, SandboxContext& context) {
  constexpr char kOne[] = R"(/([A-Za-z0-9_]+))";
  server.Post("/v1/customers", Changing(context, CreateCustomer));
  server.Get("/v1/customers", Reading(context, ListCustomers));
  server.Get(absl::StrCat("/v1/customers", kOne), Reading(context, GetCustomer));
  server.Post("/v1/invoices", Changing(context, CreateInvoice));
  server.Get("/v1/invoices", Reading(context, ListInvoices));
  server.Get(absl::StrCat("/v1/invoices", kOne), Reading(context, GetInvoice));
  server.Put(absl::StrCat("/v1/invoices", kOne), Changing(context, UpdateInvoice));
  server.Delete(absl::StrCat("/v1/invoices", kOne), Changing(context, DeleteInvoice));
  server.Post("/v1/payments", Changing(context, CreatePayment));
  server.Get("/v1/payments", Reading(context, ListChangedPayments));
  server.Get(absl::StrCat("/v1/payments", kOne), Reading(context, GetPayment));
  server.Delete(absl::StrCat("/v1/payments", kOne), Changing(context, DeletePayment));
}

}  // namespace invoicehub::billpay::sandbox
