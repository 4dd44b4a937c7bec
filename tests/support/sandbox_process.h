#pragma once
// The real billpay-sandbox binary as a child process, for tests that talk to
// bill-pay over HTTP (the gateway's integration tests, e2e tests), with
// helpers for its /sandbox/ endpoints (docs/billpay-contract.md).
//
// The sandbox listens on 127.0.0.1 port 0 (the kernel picks a free port, so
// parallel tests never collide) and prints "billpay-sandbox ready port=N";
// the constructor waits for that line. Its state lives in a --state_file in
// the test's temp dir, so Restart() brings it back with everything it knew,
// on the same port. Everything it writes goes to a log file, shown when a
// helper fails. The child is killed when this object goes, or when the test
// process dies.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace invoicehub::testing {

struct SandboxAccount {
  std::string account_id;
  std::string api_key;
  std::string webhook_secret;
};

// One item of POST /sandbox/pay.
struct SandboxPayItem {
  std::string pay_now_url;
  std::optional<int64_t> amount;  // the invoice's outstanding when unset
};

// One HTTP answer of the sandbox; status -1 when none came.
struct SandboxAnswer {
  int status = -1;
  std::string body;
  // The body parsed; null when it is not JSON.
  nlohmann::json Json() const;
};

class SandboxProcess {
 public:
  // Starts the sandbox with `extra_args` (e.g. "--error_rate=0.5",
  // "--seed=7") after its --listen and --state_file flags, and waits for it
  // to be ready. A failure to start is a test failure (ADD_FAILURE, with the
  // log) and leaves ready() false.
  explicit SandboxProcess(std::vector<std::string> extra_args = {});
  // Kills the child; removes the state file and the log (both kept when
  // INVOICEHUB_KEEP_SANDBOX_LOGS is set).
  ~SandboxProcess();
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  bool ready() const { return port_ > 0 && pid_ > 0; }
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  const std::string& state_file() const { return state_file_; }

  // SIGKILL, as a crash would; no-op when not running.
  void Kill();
  // Kills the sandbox if it runs (nothing is lost: it saves its state file
  // before every answer) and starts it again with the same flags, state file
  // and port. False (and a test failure) when it does not come back.
  bool Restart();
  bool running();

  // --- /sandbox/ helpers: each records a test failure (with the log) and
  // answers an empty value when the sandbox does not answer as expected.
  // POST /sandbox/accounts.
  SandboxAccount CreateAccount(const std::string& name, const std::string& webhook_url = "");
  // PUT /sandbox/faults with e.g. {"error_rate": 1}; true on 200.
  bool SetFaults(const nlohmann::json& faults);
  // GET /sandbox/state.
  nlohmann::json State();
  // POST /sandbox/pay: the payment made.
  nlohmann::json Pay(const std::vector<SandboxPayItem>& items, const std::string& method = "card");
  // POST /sandbox/reverse: the payment reversed ("refund" or "chargeback").
  nlohmann::json Reverse(const std::string& payment_id, const std::string& reason = "refund");

  // Any call; the Authorization header is sent when `api_key` is not empty.
  SandboxAnswer Call(const std::string& method, const std::string& path, const std::string& body = "",
                     const std::string& api_key = "");

  // Everything the sandbox has logged so far, and the same framed for a
  // failure message.
  std::string log() const;
  std::string LogForDiagnostics(size_t lines = 100) const;

 private:
  // fork + exec with `listen`, then wait for the ready line; false (and a
  // test failure) when it does not come.
  bool Start(const std::string& listen);
  // Reaps the child if it exited; true when it has.
  bool Reap(bool block);
  // The parsed body when `answer` has `status`; else a test failure and null.
  nlohmann::json Expect(const SandboxAnswer& answer, int status, const std::string& what) const;

  std::vector<std::string> extra_args_;
  std::string state_file_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace invoicehub::testing
