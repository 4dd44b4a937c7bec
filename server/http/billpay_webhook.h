#pragma once
// POST /webhooks/billpay/{company_id}: bill-pay's payment events for one
// company (docs/billpay-contract.md, "Webhooks"). Split as verify the
// signature -> store in the inbox -> apply, so that nothing acts on an
// unverified body and nothing verified is lost:
//   413  the body is over 256 KiB (nothing is checked or stored)
//   401  unknown company, no bill-pay account, or a signature that is
//        malformed, stale or made with another secret (BP-6): one answer for
//        all, so company ids cannot be probed; nothing stored
//   400  correctly signed but not an event we can read; nothing stored
//   503  the inbox could not be written: bill-pay delivers it again
//   200  stored ({"status":"stored"}) or stored before ({"status":"duplicate"})
// A stored event is then applied (BP-12) after its own commit; if that
// fails it stays pending and the payment import applies it later.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/app/billpay_gateways.h"
#include "server/domain/clock.h"

namespace invoicehub::http {

inline constexpr size_t kMaxWebhookBodyBytes = 256 * 1024;

struct WebhookAnswer {
  int status = 200;
  std::string body;  // JSON
};

class BillPayWebhook {
 public:
  BillPayWebhook(app::BillPayGateways& gateways, const domain::Clock& clock) : gateways_(gateways), clock_(clock) {}

  // `company_text` is the path's company id; `signature` the
  // Billpay-Signature header; `body` the raw bytes received.
  WebhookAnswer Receive(std::string_view company_text, std::string_view signature, const std::string& body);

 private:
  app::BillPayGateways& gateways_;
  const domain::Clock& clock_;
};

}  // namespace invoicehub::http
