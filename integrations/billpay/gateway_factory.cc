#include "integrations/billpay/gateway_factory.h"

#include "integrations/billpay/http_billpay_gateway.h"

namespace invoicehub::billpay {

std::unique_ptr<BillPayGateway> MakeBillPayGateway(const AccountConfig& account, const GatewayOptions& options) {
  return std::make_unique<HttpBillPayGateway>(account, options);
}

}  // namespace invoicehub::billpay
