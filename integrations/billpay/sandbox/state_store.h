#pragma once
// The one lock around the sandbox's state, and its state file. Every change
// runs under the lock and is saved (write a temporary file, then rename it
// over the old one) before the lock is released, so a killed sandbox restarts
// with every answer it gave, undelivered webhooks included.
//
// One lock for everything is slow but simple, and it is what makes two
// requests with the same Idempotency-Key unable to both run: correctness over
// throughput, since this is a test tool.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "integrations/billpay/sandbox/sandbox_state.h"

namespace invoicehub::billpay::sandbox {

class StateStore {
 public:
  // Loads `path` when it exists; "" keeps the state in memory only.
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& path);

  // Runs `change(SandboxState&)` under the lock, saves, and wakes whoever
  // waits in WaitForChange. Returns what `change` returns.
  template <typename Fn>
  auto Change(Fn&& change) {
    std::lock_guard lock(mutex_);
    auto result = change(state_);
    SaveLocked();
    ++version_;
    changed_.notify_all();
    return result;
  }

  // Runs `read(const SandboxState&)` under the lock, without saving.
  template <typename Fn>
  auto Read(Fn&& read) const {
    std::lock_guard lock(mutex_);
    return read(static_cast<const SandboxState&>(state_));
  }

  // Counts changes; pass it to WaitForChange.
  uint64_t version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }
  // Returns once a change after `seen_version` happened, `timeout` passed,
  // or StopWaiting() was called.
  void WaitForChange(uint64_t seen_version, std::chrono::milliseconds timeout);
  // From now on WaitForChange returns at once (shutdown).
  void StopWaiting();

 private:
  StateStore(std::string path, SandboxState state) : path_(std::move(path)), state_(std::move(state)) {}
  void SaveLocked();

  const std::string path_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t version_ = 0;
  bool stop_waiting_ = false;
  SandboxState state_;
};

}  // namespace invoicehub::billpay::sandbox
