#include "tests/support/sandbox_process.h"

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

#include <gtest/gtest.h>
#include <httplib.h>

extern char** environ;

namespace invoicehub::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr auto kReadyTimeout = std::chrono::seconds(20);

std::string TempPath(const std::string& suffix) {
  static std::atomic<int> counter{0};
  std::string dir = ::testing::TempDir();
  if (!dir.empty() && dir.back() != '/') dir += '/';
  return dir + "billpay-sandbox-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + suffix;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

nlohmann::json SandboxAnswer::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

SandboxProcess::SandboxProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)), state_file_(TempPath(".json")), log_path_(TempPath(".log")) {
  Start("127.0.0.1:0");
}

SandboxProcess::~SandboxProcess() {
  Kill();
  if (std::getenv("INVOICEHUB_KEEP_SANDBOX_LOGS") == nullptr) {
    std::remove(log_path_.c_str());
    std::remove(state_file_.c_str());
  }
}

bool SandboxProcess::Start(const std::string& listen) {
  std::vector<std::string> args = {INVOICEHUB_SANDBOX_BINARY, "--listen=" + listen, "--state_file=" + state_file_};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  // Prepared before fork: between fork and exec only async-signal-safe calls
  // are allowed (the test process may run other threads).
  std::vector<char*> argv = CStrings(args);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    ADD_FAILURE() << "cannot open " << log_path_ << " or /dev/null: " << std::strerror(errno);
    if (log_fd >= 0) close(log_fd);
    if (null_fd >= 0) close(null_fd);
    return false;
  }
  size_t log_start = log().size();  // a restart appends; its ready line comes after this
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    // Never outlive the test, even when it crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv.data(), environ);
    static const char kExecFailed[] = "sandbox_process: execve of billpay-sandbox failed\n";
    (void)!write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  if (pid < 0) {
    ADD_FAILURE() << "fork failed: " << std::strerror(errno);
    return false;
  }
  pid_ = pid;

  static const std::regex kReady("billpay-sandbox ready port=([0-9]+)");
  Clock::time_point deadline = Clock::now() + kReadyTimeout;
  while (true) {
    std::string text = log();
    std::smatch match;
    if (text.size() > log_start && std::regex_search(text.cbegin() + static_cast<long>(log_start), text.cend(),
                                                     match, kReady)) {
      port_ = std::stoi(match[1].str());
      return true;
    }
    if (!running()) {
      ADD_FAILURE() << "billpay-sandbox exited before it was ready" << LogForDiagnostics();
      return false;
    }
    if (Clock::now() >= deadline) {
      ADD_FAILURE() << "billpay-sandbox printed no ready line in time" << LogForDiagnostics();
      Kill();
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool SandboxProcess::Reap(bool block) {
  if (pid_ <= 0) return true;
  int status = 0;
  pid_t result;
  do {
    result = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result != pid_) return false;
  pid_ = -1;
  return true;
}

bool SandboxProcess::running() { return pid_ > 0 && !Reap(false); }

void SandboxProcess::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  Reap(true);
}

bool SandboxProcess::Restart() {
  // A graceful stop waits for idle keep-alive connections to time out, and
  // buys nothing: the sandbox saves its state file before every answer.
  Kill();
  // The same port, so clients and Pay Now URLs made before still reach it.
  int port = port_;
  port_ = 0;
  return Start("127.0.0.1:" + std::to_string(port));
}

SandboxAnswer SandboxProcess::Call(const std::string& method, const std::string& path, const std::string& body,
                                   const std::string& api_key) {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Headers headers;
  if (!api_key.empty()) headers.emplace("Authorization", "Bearer " + api_key);
  auto send = [&]() -> httplib::Result {
    if (method == "POST") return client.Post(path.c_str(), headers, body, "application/json");
    if (method == "PUT") return client.Put(path.c_str(), headers, body, "application/json");
    if (method == "DELETE") return client.Delete(path.c_str(), headers, body, "application/json");
    EXPECT_EQ(method, "GET") << "SandboxProcess::Call: no such method";
    return client.Get(path.c_str(), headers);
  };
  httplib::Result result = send();
  if (!result) return {};
  return {result->status, result->body};
}

nlohmann::json SandboxProcess::Expect(const SandboxAnswer& answer, int status, const std::string& what) const {
  nlohmann::json parsed = answer.Json();
  if (answer.status != status || parsed.is_discarded()) {
    ADD_FAILURE() << what << " answered " << answer.status << " " << answer.body << " (expected " << status << ")"
                  << LogForDiagnostics();
    return nullptr;
  }
  return parsed;
}

SandboxAccount SandboxProcess::CreateAccount(const std::string& name, const std::string& webhook_url) {
  nlohmann::json request = {{"name", name}, {"webhook_url", webhook_url}};
  nlohmann::json answer = Expect(Call("POST", "/sandbox/accounts", request.dump()), 201, "POST /sandbox/accounts");
  if (!answer.is_object()) return {};
  return {answer.value("account_id", ""), answer.value("api_key", ""), answer.value("webhook_secret", "")};
}

bool SandboxProcess::SetFaults(const nlohmann::json& faults) {
  return !Expect(Call("PUT", "/sandbox/faults", faults.dump()), 200, "PUT /sandbox/faults").is_null();
}

nlohmann::json SandboxProcess::State() { return Expect(Call("GET", "/sandbox/state"), 200, "GET /sandbox/state"); }

nlohmann::json SandboxProcess::Pay(const std::vector<SandboxPayItem>& items, const std::string& method) {
  nlohmann::json request = {{"items", nlohmann::json::array()}, {"method", method}};
  for (const SandboxPayItem& item : items) {
    nlohmann::json each = {{"pay_now_url", item.pay_now_url}};
    if (item.amount) each["amount"] = *item.amount;
    request["items"].push_back(std::move(each));
  }
  return Expect(Call("POST", "/sandbox/pay", request.dump()), 201, "POST /sandbox/pay");
}

nlohmann::json SandboxProcess::Reverse(const std::string& payment_id, const std::string& reason) {
  nlohmann::json request = {{"payment_id", payment_id}, {"reason", reason}};
  return Expect(Call("POST", "/sandbox/reverse", request.dump()), 200, "POST /sandbox/reverse");
}

std::string SandboxProcess::log() const {
  std::ifstream file(log_path_, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string SandboxProcess::LogForDiagnostics(size_t lines) const {
  std::string text = log();
  size_t start = text.size();
  for (size_t seen = 0; start > 0 && seen <= lines; --start)
    if (text[start - 1] == '\n') ++seen;
  if (start > 0) ++start;
  std::string out = "\n----- billpay-sandbox log (" + log_path_ + ") -----\n" + text.substr(start);
  if (!text.empty() && text.back() != '\n') out += '\n';
  return out + "----- end of billpay-sandbox log -----\n";
}

}  // namespace invoicehub::testing
