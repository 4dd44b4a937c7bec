#pragma once
// The real invoicehub-server as a child process, for black-box e2e tests, and
// a small gRPC client for it.
//
// The server listens on port 0 for gRPC and HTTP (the kernel picks free
// ports, so parallel tests never collide) and prints the ports it got in its
// "invoicehub-server ready grpc_port=N http_port=M" line; WaitUntilReady()
// reads them from its log and then polls GET /readyz. Everything the server
// writes (stdout and stderr) goes to one log file, to show when a test fails.

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "invoicehub/v1/admin_service.grpc.pb.h"
#include "invoicehub/v1/customer_service.grpc.pb.h"
#include "invoicehub/v1/invoice_service.grpc.pb.h"
#include "invoicehub/v1/payment_service.grpc.pb.h"
#include "invoicehub/v1/sync_service.grpc.pb.h"

namespace invoicehub::e2e {

// The operator key every test server gets (at least 24 characters).
inline constexpr char kOperatorKey[] = "e2e-operator-key-7f3a9c21d4b8e605";
// The master key every test server gets, so companies can have bill-pay (BP-6).
inline constexpr char kMasterKey[] = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

class ServerProcess {
 public:
  struct Options {
    std::string database_url;
    // "" starts the server without an operator key.
    std::string operator_key = kOperatorKey;
    // "" starts the server without a master key (no bill-pay).
    std::string master_key = kMasterKey;
    // Replace the default --grpc_listen/--http_listen (127.0.0.1:0),
    // --log_level and the test's quick bill-pay timings (2 s calls, 100 ms
    // first retry, import every 2 s) entirely when set; `extra_args` are
    // appended, and a flag given twice takes the later value.
    bool default_listen_flags = true;
    std::vector<std::string> extra_args;

    // Defaults, on `url`.
    static Options OnDatabase(std::string url) {
      Options options;
      options.database_url = std::move(url);
      return options;
    }
  };

  // Starts the server (fork + exec) and returns at once; see WaitUntilReady.
  explicit ServerProcess(Options options);
  // Kills the server if it still runs and removes its log file (kept when
  // INVOICEHUB_E2E_KEEP_LOGS is set).
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Waits for the ready line, then for GET /readyz to answer 200. Fails (with
  // the reason and the server's log) on timeout or when the server exits.
  ::testing::AssertionResult WaitUntilReady(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Sends `signal` and waits for the exit; returns the exit code (128+N when
  // killed by signal N). If the server has not exited within `timeout` it is
  // killed and -1 is returned.
  int Stop(int signal = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Waits for the server to exit by itself; the exit code as for Stop(), or
  // nullopt if it still runs after `timeout`.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  // Sends a signal without waiting.
  void Signal(int signal);
  // SIGKILL and reap; no-op if it already exited.
  void Kill();
  bool running();

  pid_t pid() const { return pid_; }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }

  // Everything the server has logged so far.
  std::string log() const;
  const std::string& log_path() const { return log_path_; }
  // The last `lines` lines of the log, framed for a test failure message.
  std::string LogForDiagnostics(size_t lines = 200) const;

 private:
  // Reaps the child if it exited; true when it has (exit_code_ is then set).
  bool Reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

// GET http://127.0.0.1:<port><path>; status (-1 when no answer) and body.
struct HttpAnswer {
  int status = -1;
  std::string body;
};
HttpAnswer HttpGet(int port, const std::string& path);

// Stubs for the Invoicehub services over one channel.
class ApiClient {
 public:
  explicit ApiClient(const std::string& address);

  // A context carrying `authorization: Bearer <key>` (none when `key` is
  // empty) and a deadline.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& key,
                                                      std::chrono::milliseconds deadline = std::chrono::seconds(15));

  v1::AdminService::Stub& admin() { return *admin_; }
  v1::CustomerService::Stub& customers() { return *customers_; }
  v1::InvoiceService::Stub& invoices() { return *invoices_; }
  v1::PaymentService::Stub& payments() { return *payments_; }
  v1::SyncService::Stub& sync() { return *sync_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::CustomerService::Stub> customers_;
  std::unique_ptr<v1::InvoiceService::Stub> invoices_;
  std::unique_ptr<v1::PaymentService::Stub> payments_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
};

}  // namespace invoicehub::e2e
