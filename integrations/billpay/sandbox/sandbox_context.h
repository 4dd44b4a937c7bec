#pragma once
// What the route handlers share: the state, the fault injector, and a sleep
// that a shutdown cuts short (injected latency and hangs must not hold up a
// SIGTERM).

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "integrations/billpay/sandbox/fault_injection.h"
#include "integrations/billpay/sandbox/state_store.h"

namespace invoicehub::billpay::sandbox {

class Sleeper {
 public:
  void Sleep(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    woken_.wait_for(lock, duration, [this] { return stopping_; });
  }
  // Ends every sleep now and later.
  void StopAll() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    woken_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable woken_;
  bool stopping_ = false;
};

struct SandboxContext {
  StateStore& store;
  FaultInjector& faults;
  Sleeper& sleeper;
};

}  // namespace invoicehub::billpay::sandbox
