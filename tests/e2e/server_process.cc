#include "tests/e2e/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <httplib.h>

extern char** environ;

namespace invoicehub::e2e {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(20);

// An idle gRPC client answers a stopping server's GOAWAY and PING only when
// its backup poller runs (every 5 s by default), and the server waits for
// that before it exits. Polling often keeps Stop() quick while test channels
// stay open. Set before main(), so before gRPC initialises.
[[maybe_unused]] const bool kFastClientBackupPoll = [] {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", /*overwrite=*/0);
  return true;
}();

std::string NewLogPath() {
  static std::atomic<int> counter{0};
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "invoicehub-e2e-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + ".log";
}

// The child's environment: ours without INVOICEHUB_* (flags configure the
// server, nothing leaks in from the developer's shell) and without PG*
// (which would redirect libpq away from the URL we pass).
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view value(*entry);
    if (value.starts_with("INVOICEHUB_") || value.starts_with("PG")) continue;
    env.emplace_back(value);
  }
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(Options options) : log_path_(NewLogPath()) {
  std::vector<std::string> args = {INVOICEHUB_SERVER_BINARY};
  if (!options.database_url.empty()) args.push_back("--database_url=" + options.database_url);
  if (options.default_listen_flags) {
    args.push_back("--grpc_listen=127.0.0.1:0");
    args.push_back("--http_listen=127.0.0.1:0");
    args.push_back("--log_level=info");
    for (const char* quick : {"--billpay_timeout_ms=2000", "--sync_lease_seconds=10", "--sync_retry_base_ms=100",
                              "--payment_import_interval_seconds=2"})
      args.push_back(quick);
  }
  if (!options.operator_key.empty()) args.push_back("--operator_key=" + options.operator_key);
  if (!options.master_key.empty()) args.push_back("--master_key=" + options.master_key);
  for (const std::string& arg : options.extra_args) args.push_back(arg);
  std::vector<std::string> env = ChildEnvironment();
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (this process runs gRPC threads).
  std::vector<char*> argv = CStrings(args);
  std::vector<char*> envp = CStrings(env);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    ADD_FAILURE() << "cannot open " << log_path_ << " or /dev/null: " << std::strerror(errno);
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Never outlive the test: if the test process dies (crash, abort, kill),
    // the kernel kills the server too.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv.data(), envp.data());
    static const char kExecFailed[] = "e2e: execve of the server binary failed\n";
    (void)!write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return;
  }
  pid_ = pid;
}

ServerProcess::~ServerProcess() {
  Kill();
  if (std::getenv("INVOICEHUB_E2E_KEEP_LOGS") == nullptr) std::remove(log_path_.c_str());
}

bool ServerProcess::Reap(bool block) {
  if (exit_code_) return true;
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result != pid_) return false;
  exit_code_ = ExitCodeOf(status);
  return true;
}

bool ServerProcess::running() { return pid_ > 0 && !Reap(false); }

void ServerProcess::Signal(int signal) {
  if (running()) kill(pid_, signal);
}

void ServerProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  Reap(true);
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  Clock::time_point deadline = Clock::now() + timeout;
  while (!Reap(false)) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_code_;
}

int ServerProcess::Stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  Signal(signal);
  std::optional<int> code = WaitForExit(timeout);
  if (code) return *code;
  Kill();
  return -1;
}

::testing::AssertionResult ServerProcess::WaitUntilReady(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return ::testing::AssertionFailure() << "the server was not started";
  static const std::regex kReady(R"(invoicehub-server ready grpc_port=(\d+) http_port=(\d+))");
  Clock::time_point deadline = Clock::now() + timeout;
  while (grpc_port_ == 0) {
    std::smatch match;
    std::string text = log();
    if (std::regex_search(text, match, kReady)) {
      grpc_port_ = std::stoi(match[1].str());
      http_port_ = std::stoi(match[2].str());
      break;
    }
    if (!running())
      return ::testing::AssertionFailure() << "the server exited with code " << exit_code_.value_or(-1)
                                           << " before it was ready" << LogForDiagnostics();
    if (Clock::now() >= deadline)
      return ::testing::AssertionFailure()
             << "no ready line within " << timeout.count() << " ms" << LogForDiagnostics();
    std::this_thread::sleep_for(kPollInterval);
  }
  HttpAnswer answer;
  while (true) {
    answer = HttpGet(http_port_, "/readyz");
    if (answer.status == 200) return ::testing::AssertionSuccess();
    if (!running())
      return ::testing::AssertionFailure()
             << "the server exited with code " << exit_code_.value_or(-1) << LogForDiagnostics();
    if (Clock::now() >= deadline)
      return ::testing::AssertionFailure() << "GET /readyz answered " << answer.status << " " << answer.body
                                           << " until the timeout" << LogForDiagnostics();
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string ServerProcess::log() const {
  std::ifstream file(log_path_, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string ServerProcess::LogForDiagnostics(size_t lines) const {
  std::string text = log();
  size_t start = text.size();
  for (size_t seen = 0; start > 0 && seen <= lines; --start)
    if (text[start - 1] == '\n') ++seen;
  if (start > 0) ++start;
  std::string out = "\n----- invoicehub-server log (" + log_path_ + ", pid " + std::to_string(pid_) + ") -----\n";
  out += text.substr(start);
  if (!text.empty() && text.back() != '\n') out += '\n';
  out += "----- end of server log -----\n";
  return out;
}

HttpAnswer HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get(path.c_str());
  if (!result) return {};
  return {result->status, result->body};
}

ApiClient::ApiClient(const std::string& address)
    : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      admin_(v1::AdminService::NewStub(channel_)),
      customers_(v1::CustomerService::NewStub(channel_)),
      invoices_(v1::InvoiceService::NewStub(channel_)),
      payments_(v1::PaymentService::NewStub(channel_)),
      sync_(v1::SyncService::NewStub(channel_)) {}

std::unique_ptr<grpc::ClientContext> ApiClient::Context(const std::string& key, std::chrono::milliseconds deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  return context;
}

}  // namespace invoicehub::e2e
