#pragma once
// Webhook signatures of docs/billpay-contract.md: header
// "Billpay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
// The sandbox signs with it and the server verifies with it.

#include <cstdint>
#include <string>
#include <string_view>

namespace invoicehub::billpay {

inline constexpr char kSignatureHeader[] = "Billpay-Signature";
// Events signed further than this from the receiver's clock are refused,
// so a captured delivery cannot be replayed later.
inline constexpr int64_t kSignatureToleranceSeconds = 300;

// "t=<timestamp>,v1=<hex>".
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);

enum class SignatureCheck {
  kValid,
  kMalformed,  // no t= or no v1=, or not numbers/hex
  kMismatch,   // no v1 matches (compared in constant time)
  kStale,      // t is more than the tolerance away from now
};
const char* SignatureCheckName(SignatureCheck check);

// Checks every v1 entry of `header` against `body` (the raw bytes received).
SignatureCheck VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body,
                             int64_t now_unix, int64_t tolerance_seconds = kSignatureToleranceSeconds);

}  // namespace invoicehub::billpay
