#include "integrations/billpay/sandbox/sandbox_admin.h"

#include <httplib.h>

#include "integrations/billpay/sandbox/http_replies.h"
#include "integrations/billpay/sandbox/pay_page.h"
#include "integrations/billpay/sandbox/request_log.h"
#include "integrations/billpay/sandbox/sandbox_clock.h"
#include "integrations/billpay/sandbox/sandbox_context.h"
#include "integrations/billpay/sandbox/webhook_events.h"

namespace invoicehub::billpay::sandbox {
namespace {

using Request = httplib::Request;
using Response = httplib::Response;

void Send(Response& response, const Reply& reply) {
  response.status = reply.status;
  response.set_content(reply.body, "application/json");
}

void SendPage(Response& response, int status, const std::string& html) {
  response.status = status;
  response.set_content(html, "text/html; charset=utf-8");
}

const char kPageNotFound[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>\n"
    "<body><h1>This payment link is not valid</h1></body></html>\n";

Reply CreateAccount(SandboxContext& context, const Request& request) {
  absl::StatusOr<NewAccount> account = ParseNewAccount(request.body);
  if (!account.ok()) return StatusReply(account.status());
  return context.store.Change([&](SandboxState& state) {
    const Account& created = state.CreateAccount(*account, NowUnix()).account;
    NoteAccount(created.id);
    return JsonReply(201, {{"account_id", created.id},
                           {"api_key", created.api_key},
                           {"webhook_secret", created.webhook_secret},
                           {"webhook_url", created.webhook_url}});
  });
}

Reply UpdateAccount(SandboxContext& context, const Request& request) {
  absl::StatusOr<std::string> url = ParseWebhookUrl(request.body);
  if (!url.ok()) return StatusReply(url.status());
  return context.store.Change([&](SandboxState& state) {
    absl::StatusOr<Account> account = state.SetWebhookUrl(request.matches[1].str(), *url);
    if (!account.ok()) return StatusReply(account.status());
    NoteAccount(account->id);
    return JsonReply(200,
                     {{"account_id", account->id}, {"name", account->name}, {"webhook_url", account->webhook_url}});
  });
}

// The payer pays; the payment and its payment.succeeded event are one change.
absl::StatusOr<Payment> PayAndQueue(SandboxContext& context, const PayRequest& pay) {
  return context.store.Change([&](SandboxState& state) -> absl::StatusOr<Payment> {
    absl::StatusOr<PayerChange> paid = state.Pay(pay, NowUnix());
    if (!paid.ok()) return paid.status();
    NoteAccount(paid->account_id);
    QueueEvent(*state.FindBook(paid->account_id), kPaymentSucceeded, paid->payment, NowUnixMs(), context.faults);
    return paid->payment;
  });
}

Reply Pay(SandboxContext& context, const Request& request) {
  absl::StatusOr<PayRequest> pay = ParsePayRequest(request.body);
  if (!pay.ok()) return StatusReply(pay.status());
  absl::StatusOr<Payment> payment = PayAndQueue(context, *pay);
  if (!payment.ok()) return StatusReply(payment.status());
  return JsonReply(201, PaymentView(*payment));
}

Reply Reverse(SandboxContext& context, const Request& request) {
  absl::StatusOr<ReverseRequest> reverse = ParseReverseRequest(request.body);
  if (!reverse.ok()) return StatusReply(reverse.status());
  return context.store.Change([&](SandboxState& state) {
    absl::StatusOr<PayerChange> reversed = state.Reverse(*reverse, NowUnix());
    if (!reversed.ok()) return StatusReply(reversed.status());
    NoteAccount(reversed->account_id);
    QueueEvent(*state.FindBook(reversed->account_id), kPaymentReversed, reversed->payment, NowUnixMs(), context.faults);
    return JsonReply(200, PaymentView(reversed->payment));
  });
}

Reply DescribeState(SandboxContext& context) {
  Json state = context.store.Read([](const SandboxState& state) { return state.Describe(); });
  state["faults"] = FaultsToJson(context.faults.faults());
  return JsonReply(200, state);
}

Reply UpdateFaults(SandboxContext& context, const Request& request) {
  Faults faults = context.faults.faults();
  if (absl::Status status = ApplyFaultChanges(request.body, faults); !status.ok()) return StatusReply(status);
  context.faults.set_faults(faults);
  return JsonReply(200, FaultsToJson(faults));
}

// A live invoice's page; the page of a deleted or unknown one is 404.
void ShowPayPage(SandboxContext& context, const Request& request, Response& response) {
  std::optional<Invoice> invoice = context.store.Read([&](const SandboxState& state) -> std::optional<Invoice> {
    const Invoice* found = state.FindByPayToken(request.matches[1].str());
    if (found == nullptr || found->deleted) return std::nullopt;
    return *found;
  });
  if (!invoice) return SendPage(response, 404, kPageNotFound);
  SendPage(response, 200, RenderPayPage(*invoice, ""));
}

// The page's button: pays everything due, with the chosen method.
void PayFromPage(SandboxContext& context, const Request& request, Response& response) {
  std::string token = request.matches[1].str();
  std::string method = request.has_param("method") ? request.get_param_value("method") : "card";
  if (method != "card" && method != "ach") method = "card";
  absl::StatusOr<Payment> payment =
      PayAndQueue(context, PayRequest{.items = {{token, std::nullopt}}, .method = method});
  std::optional<Invoice> invoice = context.store.Read([&](const SandboxState& state) -> std::optional<Invoice> {
    const Invoice* found = state.FindByPayToken(token);
    if (found == nullptr || found->deleted) return std::nullopt;
    return *found;
  });
  if (!invoice) return SendPage(response, 404, kPageNotFound);
  std::string notice = payment.ok() ? "Thank you: your payment " + payment->id + " succeeded."
                                    : "Payment refused: " + std::string(payment.status().message());
  SendPage(response, payment.ok() ? 200 : 409, RenderPayPage(*invoice, notice));
}

}  // namespace

void RegisterAdminRoutes(httplib::Server& server, SandboxContext& context) {
  auto json_route = [&context](Reply (*handler)(SandboxContext&, const Request&)) {
    return
        [&context, handler](const Request& request, Response& response) { Send(response, handler(context, request)); };
  };
  server.Post("/sandbox/accounts", json_route(CreateAccount));
  server.Put(R"(/sandbox/accounts/([A-Za-z0-9_]+))", json_route(UpdateAccount));
  server.Post("/sandbox/pay", json_route(Pay));
  server.Post("/sandbox/reverse", json_route(Reverse));
  server.Get("/sandbox/state",
             [&context](const Request&, Response& response) { Send(response, DescribeState(context)); });
  server.Get("/sandbox/faults", [&context](const Request&, Response& response) {
    Send(response, JsonReply(200, FaultsToJson(context.faults.faults())));
  });
  server.Put("/sandbox/faults", json_route(UpdateFaults));
  server.Get(R"(/pay/([A-Za-z0-9]+))",
             [&context](const Request& request, Response& response) { ShowPayPage(context, request, response); });
  server.Post(R"(/pay/([A-Za-z0-9]+))",
              [&context](const Request& request, Response& response) { PayFromPage(context, request, response); });
}

}  // namespace invoicehub::billpay::sandbox
