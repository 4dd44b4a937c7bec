#pragma once
// The HTTP side of the server: /healthz (the process is alive), /readyz
// (the database answers and the schema is current) and bill-pay's webhooks
// (POST /webhooks/billpay/{company_id}, server/http/billpay_webhook.h).

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "server/app/billpay_gateways.h"
#include "server/domain/clock.h"
#include "storage/database.h"

namespace httplib {
class Server;
}

namespace invoicehub::http {

class BillPayWebhook;

class HttpListener {
 public:
  // `billpay` null: no webhook endpoint (it answers 404).
  HttpListener(storage::Database& database, app::BillPayGateways* billpay, const domain::Clock& clock);
  ~HttpListener();

  // Binds `host`:`port` (0: any free port) and serves on a thread of its own.
  // Returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // From now on /readyz answers 503, so load balancers drain this server
  // while its in-flight calls finish.
  void MarkStopping() { stopping_ = true; }
  void Stop();

 private:
  storage::Database& database_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<BillPayWebhook> billpay_webhook_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace invoicehub::http
