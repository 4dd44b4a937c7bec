#pragma once
// The one place that knows which adapter serves a bill-pay account. Adding a
// vendor means a new adapter + transformer and a line here; server/ and
// storage/ only ever see BillPayGateway.

#include <memory>

#include "integrations/billpay/billpay_gateway.h"

namespace invoicehub::billpay {

struct GatewayOptions {
  long connect_timeout_ms = 3000;
  long total_timeout_ms = 10000;  // per call, connection included
};

std::unique_ptr<BillPayGateway> MakeBillPayGateway(const AccountConfig& account, const GatewayOptions& options);

}  // namespace invoicehub::billpay
