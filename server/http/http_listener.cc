#include "server/http/http_listener.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "integrations/billpay/webhook_signature.h"
#include "server/http/billpay_webhook.h"
#include "storage/migrator.h"

namespace invoicehub::http {
namespace {

// Partners' webhook bodies are small; anything larger is refused unread.
// (The bill-pay webhook refuses anything over its own, smaller limit.)
constexpr size_t kMaxBodyBytes = 1 << 20;

}  // namespace

HttpListener::HttpListener(storage::Database& database, app::BillPayGateways* billpay, const domain::Clock& clock)
    : database_(database),
      billpay_webhook_(billpay ? std::make_unique<BillPayWebhook>(*billpay, clock) : nullptr),
      server_(std::make_unique<httplib::Server>()) {
  server_->set_payload_max_length(kMaxBodyBytes);
  server_->set_tcp_nodelay(true);  // answers are not held back by delayed ACKs
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_keep_alive_timeout(5);

  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
    absl::Status status = stopping_ ? absl::UnavailableError("stopping") : database_.Ping();
    if (status.ok()) status = storage::CheckMigrationsApplied(database_);
    if (status.ok()) {
      response.set_content("ready\n", "text/plain");
    } else {
      response.status = 503;
      response.set_content(absl::StrCat("not ready: ", status.message(), "\n"), "text/plain");
    }
  });
  if (billpay_webhook_) {
    // Any path segment, so that a company id that is not one is refused like an unknown one.
    server_->Post(R"(/webhooks/billpay/([^/]+))", [this](const httplib::Request& request, httplib::Response& response) {
      WebhookAnswer answer = billpay_webhook_->Receive(
          request.matches[1].str(), request.get_header_value(billpay::kSignatureHeader), request.body);
      response.status = answer.status;
      response.set_content(answer.body, "application/json");
    });
  }
}

HttpListener::~HttpListener() { Stop(); }

absl::StatusOr<int> HttpListener::Start(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", host, ":", port));
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return bound;
}

void HttpListener::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace invoicehub::http
