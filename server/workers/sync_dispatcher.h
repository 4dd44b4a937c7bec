#pragma once
// The outbox dispatcher: threads that claim due sync_events rows with a
// lease and carry them out (app/sync_dispatch.h). Any number of server
// processes may run one on the same database: SKIP LOCKED claims and leases
// give each row to one dispatcher at a time, and a row whose dispatcher died
// (SIGKILL) is taken again when its lease runs out.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "server/app/billpay_gateways.h"
#include "server/domain/clock.h"
#include "server/domain/sync_event.h"

namespace invoicehub::workers {

struct SyncDispatcherOptions {
  int threads = 2;
  int batch = 1;                                 // rows claimed at once per thread, all under one lease
  absl::Duration lease = absl::Minutes(2);       // longer than a row's bill-pay calls can take
  absl::Duration idle_poll = absl::Milliseconds(250);  // how soon a new row goes out
  domain::RetryPolicy retry;
};

class SyncDispatcher {
 public:
  SyncDispatcher(app::BillPayGateways& gateways, const domain::Clock& clock, SyncDispatcherOptions options);
  ~SyncDispatcher();

  void Start();
  // Lets the rows in hand finish (or their leases lapse) and joins.
  void Stop();

  // Claims and dispatches one batch on the calling thread; the number of
  // rows it carried out. For tests and tools.
  int RunOnce();

  const std::string& owner() const { return owner_; }

 private:
  void Loop(unsigned seed);

  app::BillPayGateways& gateways_;
  const domain::Clock& clock_;
  SyncDispatcherOptions options_;
  std::string owner_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> threads_;
};

// "<host>:<pid>:<random>": names this process's leases in sync_events.
std::string DispatcherOwnerName();

}  // namespace invoicehub::workers
