#include "integrations/billpay/sandbox/fault_injection.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace invoicehub::billpay::sandbox {
namespace {

// Delays above a minute would only stall tests and demos.
constexpr int64_t kMaxDelayMs = 60'000;
constexpr int kMaxAttempts = 100;

void CheckRate(const char* name, double rate, std::vector<std::string>& problems) {
  if (!(rate >= 0 && rate <= 1)) problems.push_back(absl::StrCat(name, ": must be from 0 to 1"));
}

void CheckDelay(const char* name, int64_t ms, std::vector<std::string>& problems) {
  if (ms < 0 || ms > kMaxDelayMs) problems.push_back(absl::StrCat(name, ": must be from 0 to ", kMaxDelayMs));
}

}  // namespace

Json FaultsToJson(const Faults& faults) {
  return {{"error_rate", faults.error_rate},
          {"latency_ms", faults.latency_ms},
          {"timeout_after_commit_rate", faults.timeout_after_commit_rate},
          {"hang_ms", faults.hang_ms},
          {"webhook_duplicate_rate", faults.webhook_duplicate_rate},
          {"webhook_max_delay_ms", faults.webhook_max_delay_ms},
          {"webhook_fail_rate", faults.webhook_fail_rate},
          {"webhook_max_attempts", faults.webhook_max_attempts}};
}

absl::Status ValidateFaults(const Faults& faults) {
  std::vector<std::string> problems;
  CheckRate("error_rate", faults.error_rate, problems);
  CheckDelay("latency_ms", faults.latency_ms, problems);
  CheckRate("timeout_after_commit_rate", faults.timeout_after_commit_rate, problems);
  CheckDelay("hang_ms", faults.hang_ms, problems);
  CheckRate("webhook_duplicate_rate", faults.webhook_duplicate_rate, problems);
  CheckDelay("webhook_max_delay_ms", faults.webhook_max_delay_ms, problems);
  CheckRate("webhook_fail_rate", faults.webhook_fail_rate, problems);
  if (faults.webhook_max_attempts < 1 || faults.webhook_max_attempts > kMaxAttempts)
    problems.push_back(absl::StrCat("webhook_max_attempts: must be from 1 to ", kMaxAttempts));
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

absl::Status ApplyFaultChanges(std::string_view body, Faults& faults) {
  Json changes = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (changes.is_discarded() || !changes.is_object())
    return absl::InvalidArgumentError("the body must be a JSON object");
  Faults updated = faults;
  std::vector<std::string> problems;
  auto rate = [&](const char* name, double& field) {
    if (!changes.contains(name)) return;
    if (changes[name].is_number())
      field = changes[name].get<double>();
    else
      problems.push_back(absl::StrCat(name, ": must be a number"));
  };
  auto count = [&]<typename T>(const char* name, T& field) {
    if (!changes.contains(name)) return;
    const Json& value = changes[name];
    if (value.is_number_integer() && value.get<int64_t>() >= 0 && value.get<int64_t>() <= kMaxDelayMs)
      field = static_cast<T>(value.get<int64_t>());
    else
      problems.push_back(absl::StrCat(name, ": must be an integer from 0 to ", kMaxDelayMs));
  };
  rate("error_rate", updated.error_rate);
  count("latency_ms", updated.latency_ms);
  rate("timeout_after_commit_rate", updated.timeout_after_commit_rate);
  count("hang_ms", updated.hang_ms);
  rate("webhook_duplicate_rate", updated.webhook_duplicate_rate);
  count("webhook_max_delay_ms", updated.webhook_max_delay_ms);
  rate("webhook_fail_rate", updated.webhook_fail_rate);
  count("webhook_max_attempts", updated.webhook_max_attempts);
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  if (absl::Status status = ValidateFaults(updated); !status.ok()) return status;
  faults = updated;
  return absl::OkStatus();
}

Faults FaultInjector::faults() const {
  std::lock_guard lock(mutex_);
  return faults_;
}

void FaultInjector::set_faults(const Faults& faults) {
  std::lock_guard lock(mutex_);
  faults_ = faults;
}

bool FaultInjector::Roll(double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  std::lock_guard lock(mutex_);
  return std::uniform_real_distribution<double>(0, 1)(random_) < rate;
}

int64_t FaultInjector::Delay(int64_t max_ms) {
  if (max_ms <= 0) return 0;
  std::lock_guard lock(mutex_);
  return std::uniform_int_distribution<int64_t>(0, max_ms)(random_);
}

}  // namespace invoicehub::billpay::sandbox
