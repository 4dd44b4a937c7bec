#include "integrations/billpay/sandbox/webhook_events.h"

#include <algorithm>
#include <string>

#include "integrations/billpay/sandbox/ids.h"

namespace invoicehub::billpay::sandbox {
namespace {

constexpr std::chrono::milliseconds kFirstPause{200};
constexpr std::chrono::milliseconds kLongestPause{5000};

}  // namespace

void QueueEvent(AccountBook& book, std::string_view type, const Payment& payment, int64_t now_ms,
                FaultInjector& faults) {
  Faults settings = faults.faults();
  std::string event_id = RandomId("evt_");
  Json event = {{"id", event_id},
                {"type", type},
                {"created", now_ms / 1000},
                {"account_id", book.account.id},
                {"data", {{"payment", PaymentView(payment)}}}};
  std::string body = event.dump(-1, ' ', false, Json::error_handler_t::replace);
  int copies = faults.Roll(settings.webhook_duplicate_rate) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy)
    book.pending_webhooks.push_back(PendingWebhook{.id = RandomId("whq_"),
                                                   .event_id = event_id,
                                                   .type = std::string(type),
                                                   .body = body,
                                                   .attempts = 0,
                                                   .due_ms = now_ms + faults.Delay(settings.webhook_max_delay_ms)});
}

std::chrono::milliseconds RetryPause(int attempt) {
  std::chrono::milliseconds pause = kFirstPause;
  for (int i = 1; i < attempt && pause < kLongestPause; ++i) pause *= 2;
  return std::min(pause, kLongestPause);
}

}  // namespace invoicehub::billpay::sandbox
