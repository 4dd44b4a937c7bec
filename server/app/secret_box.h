#pragma once
// Seals secrets (bill-pay API keys and webhook secrets, BP-6) with the
// server's master key before they are stored: AES-256-GCM with a random
// nonce, bound to a context ("company 42 api_key") so a sealed value copied
// to another company or field does not open.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace invoicehub::app {

class SecretBox {
 public:
  // `master_key`: 32 bytes as 64 hex characters or as base64. INVALID_ARGUMENT
  // otherwise (the message never repeats the key).
  static absl::StatusOr<SecretBox> FromMasterKey(std::string_view master_key);

  // nonce || ciphertext || tag.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // FAILED_PRECONDITION when it does not open (other key, other context,
  // tampered).
  absl::StatusOr<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace invoicehub::app
