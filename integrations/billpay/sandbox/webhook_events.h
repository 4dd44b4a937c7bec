#pragma once
// Webhook events of docs/billpay-contract.md ("Webhooks"): building one and
// putting its copies in the account's queue, and the pause between attempts.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "integrations/billpay/sandbox/fault_injection.h"
#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {

inline constexpr char kPaymentSucceeded[] = "payment.succeeded";
inline constexpr char kPaymentReversed[] = "payment.reversed";

// Queues `type` about `payment` (as it is now) in `book`. The body is fixed
// here, so every attempt and every copy sends the same bytes. Injected
// faults: a second copy with the same event id (webhook_duplicate_rate), and
// a random first delay per copy (webhook_max_delay_ms), so events overtake
// each other.
void QueueEvent(AccountBook& book, std::string_view type, const Payment& payment, int64_t now_ms,
                FaultInjector& faults);

// The pause after failed attempt number `attempt` (1, 2, ...): doubling from
// 200 ms, at most 5 s.
std::chrono::milliseconds RetryPause(int attempt);

}  // namespace invoicehub::billpay::sandbox
