#pragma once
// The sandbox's injected faults (docs/billpay-contract.md, "Sandbox only"):
// rates and delays set by flags and by PUT /sandbox/faults, and the seeded
// random generator that decides each roll, so a run with --seed repeats.

#include <cstdint>
#include <mutex>
#include <random>
#include <string_view>

#include "absl/status/statusor.h"
#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {

struct Faults {
  double error_rate = 0;                 // /v1 calls answered 503 before any change
  int64_t latency_ms = 0;                // /v1 calls delayed by 0..latency_ms
  double timeout_after_commit_rate = 0;  // /v1 changes answered hang_ms late
  int64_t hang_ms = 3000;
  double webhook_duplicate_rate = 0;  // events delivered as two copies
  int64_t webhook_max_delay_ms = 0;   // each copy first sent after 0..this
  double webhook_fail_rate = 0;       // attempts not sent, counted as failed
  int webhook_max_attempts = 8;
};

Json FaultsToJson(const Faults& faults);
// Applies the fields present in `body` (any subset) to `faults`; checks
// every value first and changes nothing when one is out of range.
absl::Status ApplyFaultChanges(std::string_view body, Faults& faults);
// The same checks, for flags.
absl::Status ValidateFaults(const Faults& faults);

class FaultInjector {
 public:
  FaultInjector(const Faults& faults, uint64_t seed) : faults_(faults), random_(seed) {}

  Faults faults() const;
  void set_faults(const Faults& faults);

  // True with probability `rate` (0 never, 1 always).
  bool Roll(double rate);
  // Uniform in 0..max_ms.
  int64_t Delay(int64_t max_ms);

 private:
  mutable std::mutex mutex_;
  Faults faults_;
  std::mt19937_64 random_;
};

}  // namespace invoicehub::billpay::sandbox
