// billpay-sandbox: a local bill-pay service that speaks
// docs/billpay-contract.md, for development, demos and tests. Serves until
// SIGINT/SIGTERM; prints "billpay-sandbox ready port=N" on stdout once it
// listens (so a test can start it on port 0 and read the port).

#include <httplib.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "integrations/billpay/sandbox/fault_injection.h"
#include "integrations/billpay/sandbox/ids.h"
#include "integrations/billpay/sandbox/sandbox_clock.h"
#include "integrations/billpay/sandbox/sandbox_context.h"
#include "integrations/billpay/sandbox/sandbox_server.h"
#include "integrations/billpay/sandbox/state_store.h"
#include "integrations/billpay/sandbox/webhook_sender.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:9100", "host:port to serve on (port 0: any free port)");
ABSL_FLAG(std::string, public_base_url, "", "base of Pay Now URLs (default http://<listen host>:<bound port>)");
ABSL_FLAG(std::string, state_file, "", "JSON file to load at start and save after every change ('' keeps no file)");
ABSL_FLAG(uint64_t, seed, 0, "seed of the fault injector's random generator (0: a random seed, logged)");
ABSL_FLAG(double, error_rate, 0, "share of /v1 calls answered 503 before any change");
ABSL_FLAG(int64_t, latency_ms, 0, "/v1 calls are delayed by a random 0..latency_ms");
ABSL_FLAG(double, timeout_after_commit_rate, 0, "share of /v1 changes answered hang_ms late (after storing them)");
ABSL_FLAG(int64_t, hang_ms, 3000, "how late a timeout_after_commit answer comes");
ABSL_FLAG(double, webhook_duplicate_rate, 0, "share of events delivered twice (same event id)");
ABSL_FLAG(int64_t, webhook_max_delay_ms, 0, "each webhook copy is first sent after a random 0..this");
ABSL_FLAG(double, webhook_fail_rate, 0, "share of delivery attempts not sent and counted as failed");
ABSL_FLAG(int, webhook_max_attempts, 8, "delivery attempts per webhook copy before giving up");

namespace {

using namespace invoicehub::billpay::sandbox;

constexpr char kAccountFlag[] = "--account";

// --account may repeat (absl flags keep only the last value) and its URL
// holds colons and maybe commas, so it is taken out of argv by hand.
std::vector<std::string> TakeAccountFlags(int& argc, char** argv) {
  std::vector<std::string> accounts;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with(absl::StrCat(kAccountFlag, "="))) {
      accounts.emplace_back(arg.substr(sizeof kAccountFlag));
    } else if (arg == kAccountFlag && i + 1 < argc) {
      accounts.emplace_back(argv[++i]);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return accounts;
}

// "name:api_key:webhook_secret:webhook_url"; the URL (which has colons of
// its own) is everything after the third colon and may be empty.
absl::StatusOr<Account> ParseAccountFlag(const std::string& value) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t colon = value.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(value.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty())
    return absl::InvalidArgumentError("--account must be name:api_key:webhook_secret:webhook_url");
  return Account{.id = AccountIdFromName(parts[0]),
                 .name = parts[0],
                 .api_key = parts[1],
                 .webhook_secret = parts[2],
                 .webhook_url = value.substr(start),
                 .created = NowUnix()};
}

bool SplitHostPort(const std::string& address, std::string& host, int& port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port >= 0 && port <= 65535;
}

Faults FaultsFromFlags() {
  return Faults{.error_rate = absl::GetFlag(FLAGS_error_rate),
                .latency_ms = absl::GetFlag(FLAGS_latency_ms),
                .timeout_after_commit_rate = absl::GetFlag(FLAGS_timeout_after_commit_rate),
                .hang_ms = absl::GetFlag(FLAGS_hang_ms),
                .webhook_duplicate_rate = absl::GetFlag(FLAGS_webhook_duplicate_rate),
                .webhook_max_delay_ms = absl::GetFlag(FLAGS_webhook_max_delay_ms),
                .webhook_fail_rate = absl::GetFlag(FLAGS_webhook_fail_rate),
                .webhook_max_attempts = absl::GetFlag(FLAGS_webhook_max_attempts)};
}

int Fail(const std::string& message) {
  spdlog::critical("refusing to start: {}", message);
  return 1;
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

int Run(const std::vector<std::string>& account_flags) {
  std::vector<Account> accounts;
  for (const std::string& value : account_flags) {
    absl::StatusOr<Account> account = ParseAccountFlag(value);
    if (!account.ok()) return Fail(std::string(account.status().message()));
    accounts.push_back(*account);
  }
  Faults faults = FaultsFromFlags();
  if (absl::Status status = ValidateFaults(faults); !status.ok()) return Fail(std::string(status.message()));
  std::string host;
  int port = 0;
  if (!SplitHostPort(absl::GetFlag(FLAGS_listen), host, port)) return Fail("--listen must be host:port");
  uint64_t seed = absl::GetFlag(FLAGS_seed);
  if (seed == 0) seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();

  sigset_t stop_signals = BlockStopSignals();
  absl::StatusOr<std::unique_ptr<StateStore>> store = StateStore::Open(absl::GetFlag(FLAGS_state_file));
  if (!store.ok()) return Fail(std::string(store.status().message()));
  FaultInjector injector(faults, seed);
  Sleeper sleeper;
  SandboxContext context{**store, injector, sleeper};
  std::unique_ptr<httplib::Server> server = MakeServer(context);
  int bound = port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return Fail(absl::StrCat("cannot listen on ", host, ":", port));
  std::string public_base_url = absl::GetFlag(FLAGS_public_base_url);
  if (public_base_url.empty()) public_base_url = absl::StrCat("http://", host, ":", bound);
  while (public_base_url.ends_with('/')) public_base_url.pop_back();

  std::vector<std::string> added;
  (*store)->Change([&](SandboxState& state) {
    state.set_public_base_url(public_base_url);
    for (const Account& account : accounts)
      added.push_back(absl::StrCat(account.id, state.AddAccount(account) ? " (added)" : " (kept from the state file)"));
    return 0;
  });
  spdlog::info("billpay-sandbox: listen={}:{} public_base_url={} state_file={} seed={} faults={} accounts=[{}]", host,
               bound, public_base_url,
               absl::GetFlag(FLAGS_state_file).empty() ? "(none)" : absl::GetFlag(FLAGS_state_file), seed,
               FaultsToJson(faults).dump(), absl::StrJoin(added, ", "));

  WebhookSender sender(**store, injector);
  sender.Start();
  std::atomic<bool> serving_ended{false};
  std::thread serving([&] {
    server->listen_after_bind();
    serving_ended = true;
  });
  // stop() is a no-op until the accept loop runs: a SIGTERM right after the
  // ready line would otherwise leave the server serving forever.
  while (!server->is_running() && !serving_ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (serving_ended) {
    serving.join();
    sender.Stop();
    return Fail("the HTTP server ended at once");
  }
  std::printf("billpay-sandbox ready port=%d\n", bound);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("billpay-sandbox: signal {}, stopping", signal);
  sleeper.StopAll();
  server->stop();
  serving.join();
  sender.Stop();
  spdlog::info("billpay-sandbox: stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // stdout carries only the ready line; logs go to stderr.
  spdlog::set_default_logger(spdlog::stderr_logger_mt("billpay-sandbox"));
  absl::SetProgramUsageMessage(
      "a local bill-pay service (docs/billpay-contract.md).\n"
      "  --account=name:api_key:webhook_secret:webhook_url  (repeatable) an account with fixed credentials,\n"
      "      id acct_<name>; kept as it is when the state file already has it.");
  // --help lists the flags of this file (absl looks for <program>.cc by default).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view path) { return absl::EndsWith(path, "sandbox/main.cc"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  std::vector<std::string> accounts = TakeAccountFlags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return Run(accounts);
}
