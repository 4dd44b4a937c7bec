#pragma once
// API key secrets: "ih_<company_id>_<43 random base64url chars>". The company
// id in the key lets auth look the hash up under its company (every index
// leads with company_id); the 256 random bits are what makes it secret.

#include <cstdint>
#include <optional>
#include <string>

namespace invoicehub::app {

struct NewApiKeySecret {
  std::string secret;         // shown to the caller once
  std::string prefix;         // stored, to tell keys apart
  std::string secret_sha256;  // stored, to recognise the key
};

NewApiKeySecret GenerateApiKeySecret(int64_t company_id);

// Hex SHA-256 of any string.
std::string Sha256Hex(const std::string& data);

// The company id named by a well-formed key; nullopt for anything else.
std::optional<int64_t> CompanyIdOfApiKey(const std::string& secret);

// Constant-time equality, so response timing reveals nothing of a secret.
bool SecretsEqual(const std::string& a, const std::string& b);

}  // namespace invoicehub::app
