#include "integrations/billpay/sandbox/webhook_sender.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "integrations/billpay/sandbox/sandbox_clock.h"
#include "integrations/billpay/sandbox/webhook_events.h"
#include "integrations/billpay/webhook_signature.h"

namespace invoicehub::billpay::sandbox {
namespace {

// The contract: a delivery counts when the receiver answers within 10 s.
constexpr time_t kReceiverTimeoutSeconds = 10;
// An idle thread looks at the queue at least this often, even unwoken.
constexpr int64_t kLongestIdleMs = 1000;

// "http://host:port/path?q" -> {"http://host:port", "/path?q"}.
std::pair<std::string, std::string> SplitUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  size_t path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

}  // namespace

void WebhookSender::Start(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

void WebhookSender::Stop() {
  stopping_ = true;
  store_.StopWaiting();
  for (std::thread& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

void WebhookSender::Run() {
  while (!stopping_) {
    uint64_t seen = store_.version();
    int64_t now = NowUnixMs();
    int64_t next_due = now + kLongestIdleMs;
    std::optional<Job> job = TakeDueJob(now, next_due);
    if (!job) {
      store_.WaitForChange(seen, std::chrono::milliseconds(std::max<int64_t>(1, next_due - now)));
      continue;
    }
    Attempt attempt = Deliver(*job);
    Record(*job, attempt);
  }
}

std::optional<WebhookSender::Job> WebhookSender::TakeDueJob(int64_t now_ms, int64_t& next_due_ms) {
  return store_.Read([&](const SandboxState& state) -> std::optional<Job> {
    std::lock_guard lock(in_flight_mutex_);
    const AccountBook* chosen_book = nullptr;
    const PendingWebhook* chosen = nullptr;
    for (const auto& [id, book] : state.books())
      for (const PendingWebhook& webhook : book.pending_webhooks) {
        if (in_flight_.contains(webhook.id)) continue;
        if (chosen == nullptr || webhook.due_ms < chosen->due_ms) {
          chosen = &webhook;
          chosen_book = &book;
        }
      }
    if (chosen == nullptr) return std::nullopt;
    if (chosen->due_ms > now_ms) {
      next_due_ms = std::min(next_due_ms, chosen->due_ms);
      return std::nullopt;
    }
    in_flight_.insert(chosen->id);
    return Job{.account_id = chosen_book->account.id,
               .queue_id = chosen->id,
               .event_id = chosen->event_id,
               .type = chosen->type,
               .body = chosen->body,
               .url = chosen_book->account.webhook_url,
               .secret = chosen_book->account.webhook_secret,
               .attempt = chosen->attempts + 1};
  });
}

WebhookSender::Attempt WebhookSender::Deliver(const Job& job) {
  if (faults_.Roll(faults_.faults().webhook_fail_rate)) return {0, "injected failure (webhook_fail_rate)"};
  if (job.url.empty()) return {0, "the account has no webhook_url"};
  auto [base, path] = SplitUrl(job.url);
  httplib::Client client(base);
  if (!client.is_valid()) return {0, "webhook_url is not a valid http(s) URL"};
  client.set_connection_timeout(kReceiverTimeoutSeconds, 0);
  client.set_read_timeout(kReceiverTimeoutSeconds, 0);
  client.set_write_timeout(kReceiverTimeoutSeconds, 0);
  // Signed at each attempt: a receiver refuses a t older than its tolerance.
  httplib::Headers headers = {{kSignatureHeader, SignWebhook(job.secret, NowUnix(), job.body)}};
  httplib::Result result = client.Post(path, headers, job.body, "application/json");
  if (!result) return {0, absl::StrCat("no answer: ", httplib::to_string(result.error()))};
  if (result->status < 200 || result->status > 299) return {result->status, absl::StrCat("HTTP ", result->status)};
  return {result->status, ""};
}

void WebhookSender::Record(const Job& job, const Attempt& attempt) {
  int max_attempts = faults_.faults().webhook_max_attempts;
  store_.Change([&](SandboxState& state) {
    {
      std::lock_guard lock(in_flight_mutex_);
      in_flight_.erase(job.queue_id);
    }
    AccountBook* book = state.FindBook(job.account_id);
    if (book == nullptr) return 0;
    auto& queue = book->pending_webhooks;
    auto pending = std::find_if(queue.begin(), queue.end(),
                                [&](const PendingWebhook& webhook) { return webhook.id == job.queue_id; });
    if (pending == queue.end()) return 0;
    pending->attempts = job.attempt;
    std::string outcome;
    if (attempt.error.empty()) {
      outcome = "delivered";
    } else if (job.attempt >= max_attempts) {
      outcome = "gave_up";
    } else {
      outcome = "retrying";
      pending->due_ms = NowUnixMs() + RetryPause(job.attempt).count();
    }
    if (outcome != "retrying") queue.erase(pending);
    book->deliveries.push_back(Delivery{.event_id = job.event_id,
                                        .type = job.type,
                                        .attempt = job.attempt,
                                        .http_status = attempt.http_status,
                                        .error = attempt.error,
                                        .outcome = outcome,
                                        .at = NowUnix()});
    spdlog::info("webhook {} {} account={} attempt={} status={} {}{}", job.event_id, job.type, job.account_id,
                 job.attempt, attempt.http_status, outcome, attempt.error.empty() ? "" : ": " + attempt.error);
    return 0;
  });
}

}  // namespace invoicehub::billpay::sandbox
