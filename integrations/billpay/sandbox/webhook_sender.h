#pragma once
// Delivers the queued webhooks (webhook_events.h) on background threads:
// POST to the account's webhook_url, signed anew at each attempt
// (Billpay-Signature with t = now), counted as delivered on a 2xx within
// 10 s, otherwise repeated after RetryPause until webhook_max_attempts.
// Every attempt is recorded in the account's deliveries.
//
// webhook_fail_rate injects failures: such an attempt is not sent at all
// and counts as failed, like an unreachable receiver.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integrations/billpay/sandbox/fault_injection.h"
#include "integrations/billpay/sandbox/state_store.h"

namespace invoicehub::billpay::sandbox {

class WebhookSender {
 public:
  WebhookSender(StateStore& store, FaultInjector& faults) : store_(store), faults_(faults) {}
  ~WebhookSender() { Stop(); }
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Several threads, so one slow receiver does not hold up the others.
  void Start(int threads = 4);
  // Finishes the attempts under way (at most the 10 s timeout) and returns;
  // what is still queued stays in the state file for the next start.
  void Stop();

 private:
  struct Job {
    std::string account_id;
    std::string queue_id;
    std::string event_id;
    std::string type;
    std::string body;
    std::string url;
    std::string secret;
    int attempt = 0;
  };
  struct Attempt {
    int http_status = 0;
    std::string error;  // "" when delivered
  };

  void Run();
  // The earliest due copy not already being sent, marked as being sent;
  // otherwise nullopt and `next_due_ms` lowered to the next due time.
  std::optional<Job> TakeDueJob(int64_t now_ms, int64_t& next_due_ms);
  Attempt Deliver(const Job& job);
  void Record(const Job& job, const Attempt& attempt);

  StateStore& store_;
  FaultInjector& faults_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  std::mutex in_flight_mutex_;       // taken inside the store's lock, never around it
  std::set<std::string> in_flight_;  // queue ids being sent
};

}  // namespace invoicehub::billpay::sandbox
