// invoicehub-server: reads its configuration, migrates the database, wires
// storage, services and the HTTP listener, and serves until SIGINT/SIGTERM.

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include "integrations/billpay/gateway_factory.h"
#include "server/api/admin_service.h"
#include "server/api/authenticator.h"
#include "server/api/customer_service.h"
#include "server/api/invoice_service.h"
#include "server/api/payment_service.h"
#include "server/api/sync_service.h"
#include "server/app/billpay_gateways.h"
#include "server/config.h"
#include "server/domain/clock.h"
#include "server/http/http_listener.h"
#include "server/workers/payment_import_worker.h"
#include "server/workers/sync_dispatcher.h"
#include "storage/database.h"
#include "storage/migrator.h"

namespace {

using invoicehub::ServerConfig;

// In-flight calls get this long to finish after a stop signal.
constexpr absl::Duration kShutdownGrace = absl::Seconds(10);

int Fail(const std::string& message) {
  spdlog::critical("{}", message);
  return 1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ServerCredentials> Credentials(const ServerConfig& config) {
  if (config.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({ReadFile(config.tls_key_file), ReadFile(config.tls_cert_file)});
  return grpc::SslServerCredentials(options);
}

// Blocks SIGINT and SIGTERM in every thread started after this, so that
// only the main thread's sigwait receives them.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// BP-6: bill-pay secrets are sealed with the master key; without one no
// company can have bill-pay.
absl::StatusOr<std::optional<invoicehub::app::SecretBox>> MasterKeyBox(const ServerConfig& config) {
  if (config.master_key.empty()) return std::nullopt;
  return invoicehub::app::SecretBox::FromMasterKey(config.master_key);
}

invoicehub::workers::SyncDispatcherOptions DispatcherOptions(const ServerConfig& config) {
  invoicehub::workers::SyncDispatcherOptions options;
  options.threads = config.sync_threads;
  options.lease = absl::Seconds(config.sync_lease_seconds);
  options.retry.max_attempts = config.sync_max_attempts;
  options.retry.base_delay = absl::Milliseconds(config.sync_retry_base_ms);
  return options;
}

int Run(const ServerConfig& config) {
  spdlog::info("invoicehub-server starting: {}", invoicehub::DescribeConfig(config));
  sigset_t stop_signals = BlockStopSignals();

  absl::StatusOr<int> applied = invoicehub::storage::ApplyMigrations(config.database_url,
                                                                     invoicehub::storage::EmbeddedMigrations());
  if (!applied.ok()) return Fail(std::string("refusing to start: ") + std::string(applied.status().message()));
  spdlog::info("database schema current ({} migrations applied now)", *applied);

  auto database = invoicehub::storage::Database::Connect(config.database_url, config.database_pool_size);
  if (!database.ok()) return Fail(std::string("refusing to start: ") + std::string(database.status().message()));

  absl::StatusOr<std::optional<invoicehub::app::SecretBox>> box = MasterKeyBox(config);
  if (!box.ok()) return Fail(std::string("refusing to start: --master_key: ") + std::string(box.status().message()));
  if (!box->has_value()) spdlog::warn("no master key: bill-pay accounts cannot be set or used");
  invoicehub::billpay::GatewayOptions gateway_options;
  gateway_options.total_timeout_ms = config.billpay_timeout_ms;
  gateway_options.connect_timeout_ms = std::min<long>(gateway_options.connect_timeout_ms, config.billpay_timeout_ms);
  invoicehub::app::BillPayGateways billpay(**database, std::move(*box),
                                           [gateway_options](const invoicehub::billpay::AccountConfig& account) {
                                             return invoicehub::billpay::MakeBillPayGateway(account, gateway_options);
                                           });

  invoicehub::domain::SystemClock clock;
  invoicehub::api::Authenticator authenticator(**database, config.operator_key);
  if (config.operator_key.empty()) spdlog::warn("no operator key: companies cannot be created");
  invoicehub::api::ApiDeps deps{**database, clock, authenticator, billpay};
  invoicehub::api::AdminService admin_service(deps);
  invoicehub::api::CustomerService customer_service(deps);
  invoicehub::api::InvoiceService invoice_service(deps);
  invoicehub::api::PaymentService payment_service(deps);
  invoicehub::api::SyncService sync_service(deps);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(config.grpc_listen, Credentials(config), &grpc_port);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&customer_service);
  builder.RegisterService(&invoice_service);
  builder.RegisterService(&payment_service);
  builder.RegisterService(&sync_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpc_port == 0) return Fail("refusing to start: cannot listen for gRPC on " + config.grpc_listen);

  std::string http_host;
  int http_port = 0;
  invoicehub::SplitHostPort(config.http_listen, &http_host, &http_port);
  invoicehub::http::HttpListener http(**database, &billpay, clock);
  absl::StatusOr<int> bound_http = http.Start(http_host, http_port);
  if (!bound_http.ok()) {
    server->Shutdown();
    return Fail(std::string("refusing to start: ") + std::string(bound_http.status().message()));
  }
  invoicehub::workers::SyncDispatcher dispatcher(billpay, clock, DispatcherOptions(config));
  dispatcher.Start();
  invoicehub::workers::PaymentImportWorker payment_import(
      billpay, clock, absl::Seconds(std::max(config.payment_import_interval_seconds, 1)));
  if (config.payment_import_interval_seconds > 0) payment_import.Start();
  spdlog::info("invoicehub-server ready grpc_port={} http_port={}", grpc_port, *bound_http);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("received signal {}; stopping: no new calls, in-flight calls get {}s", signal_number,
               absl::ToInt64Seconds(kShutdownGrace));
  server->GetHealthCheckService()->Shutdown();
  http.MarkStopping();
  server->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
  http.Stop();
  payment_import.Stop();
  dispatcher.Stop();  // rows in hand finish; a row cut short is taken again when its lease lapses
  spdlog::info("invoicehub-server stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<ServerConfig> config = invoicehub::LoadConfig(argc, argv);
  if (!config.ok()) {
    std::fprintf(stderr, "invoicehub-server: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  // Every line reaches the log at once: after a crash (or SIGKILL) the last
  // lines are the ones an operator needs.
  spdlog::flush_on(spdlog::level::trace);
  return Run(*config);
}
