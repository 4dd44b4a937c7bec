#include "integrations/billpay/billpay_gateway.h"

namespace invoicehub::billpay {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return "done";
    case Outcome::kRetryable:
      return "retryable";
    case Outcome::kPermanent:
      return "permanent";
    case Outcome::kUnknown:
      return "unknown";
  }
  return "unknown";
}

}  // namespace invoicehub::billpay
