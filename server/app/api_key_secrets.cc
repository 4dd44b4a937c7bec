#include "server/app/api_key_secrets.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace invoicehub::app {
namespace {

constexpr char kKeyPrefix[] = "ih";
constexpr size_t kRandomBytes = 32;

}  // namespace

NewApiKeySecret GenerateApiKeySecret(int64_t company_id) {
  unsigned char random[kRandomBytes];
  // Without entropy there is no safe key to hand out: stop rather than guess.
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  std::string encoded;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(random), sizeof random), &encoded);
  NewApiKeySecret key;
  key.secret = absl::StrCat(kKeyPrefix, "_", company_id, "_", encoded);
  key.prefix = key.secret.substr(0, key.secret.size() - encoded.size() + 6);
  key.secret_sha256 = Sha256Hex(key.secret);
  return key;
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::optional<int64_t> CompanyIdOfApiKey(const std::string& secret) {
  std::vector<absl::string_view> parts = absl::StrSplit(secret, absl::MaxSplits('_', 2));
  int64_t company_id = 0;
  if (parts.size() != 3 || parts[0] != kKeyPrefix || !absl::SimpleAtoi(parts[1], &company_id) || company_id <= 0 ||
      parts[2].size() < 20)
    return std::nullopt;
  return company_id;
}

bool SecretsEqual(const std::string& a, const std::string& b) {
  // Compare digests: equal length, so CRYPTO_memcmp's time depends on neither.
  std::string da = Sha256Hex(a), db = Sha256Hex(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

}  // namespace invoicehub::app
