#include "server/app/secret_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <optional>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace invoicehub::app {
namespace {

constexpr size_t kKeyBytes = 32;    // AES-256
constexpr size_t kNonceBytes = 12;  // GCM's native nonce size: no extra hashing
constexpr size_t kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext NewContext() {
  CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!context) throw std::runtime_error("OpenSSL EVP_CIPHER_CTX_new failed");
  return context;
}

const unsigned char* Bytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
unsigned char* Bytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

bool IsHex(absl::string_view text) {
  for (char c : text)
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// The 32 key bytes written as 64 hex characters, standard base64 or
// base64url (padding optional); nullopt for anything else.
std::optional<std::string> DecodeMasterKey(std::string_view master_key) {
  // A key file or environment value often ends in a newline.
  absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(master_key.data(), master_key.size()));
  if (text.size() == 2 * kKeyBytes && IsHex(text)) return absl::HexStringToBytes(text);
  std::string bytes;
  if ((absl::Base64Unescape(text, &bytes) || absl::WebSafeBase64Unescape(text, &bytes)) && bytes.size() == kKeyBytes)
    return bytes;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<SecretBox> SecretBox::FromMasterKey(std::string_view master_key) {
  std::optional<std::string> key = DecodeMasterKey(master_key);
  if (!key)
    return absl::InvalidArgumentError(
        "the master key must be 32 bytes written as 64 hex characters or as base64 (e.g. `openssl rand -hex 32`)");
  return SecretBox(std::move(*key));
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  std::string sealed(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* nonce = Bytes(sealed);
  // A repeated nonce under one key breaks GCM: without entropy, stop rather
  // than seal.
  if (RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("OpenSSL RAND_bytes failed");
  unsigned char* ciphertext = nonce + kNonceBytes;
  unsigned char* tag = ciphertext + plaintext.size();

  CipherContext cipher = NewContext();
  int length = 0;
  // The context is the additional authenticated data: it is not stored, yet
  // the tag only verifies under the same context.
  bool ok = EVP_EncryptInit_ex(cipher.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), nonce) == 1 &&
            EVP_EncryptUpdate(cipher.get(), nullptr, &length, Bytes(context), static_cast<int>(context.size())) == 1 &&
            EVP_EncryptUpdate(cipher.get(), ciphertext, &length, Bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(cipher.get(), ciphertext + length, &length) == 1 &&
            EVP_CIPHER_CTX_ctrl(cipher.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  if (!ok) throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  return sealed;
}

absl::StatusOr<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  // One message for every failure: which check failed tells an attacker nothing useful.
  const absl::Status kDoesNotOpen = absl::FailedPreconditionError(
      "a sealed secret does not open with the master key (another key, or a damaged or moved value)");
  if (sealed.size() < kNonceBytes + kTagBytes) return kDoesNotOpen;
  const unsigned char* nonce = Bytes(sealed);
  const unsigned char* ciphertext = nonce + kNonceBytes;
  const size_t ciphertext_size = sealed.size() - kNonceBytes - kTagBytes;
  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer; give it a copy.
  std::string tag(sealed.substr(kNonceBytes + ciphertext_size));

  std::string plaintext(ciphertext_size, '\0');
  CipherContext cipher = NewContext();
  int length = 0;
  bool ok = EVP_DecryptInit_ex(cipher.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), nonce) == 1 &&
            EVP_DecryptUpdate(cipher.get(), nullptr, &length, Bytes(context), static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(cipher.get(), Bytes(plaintext), &length, ciphertext,
                              static_cast<int>(ciphertext_size)) == 1 &&
            EVP_CIPHER_CTX_ctrl(cipher.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(cipher.get(), Bytes(plaintext) + length, &length) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return kDoesNotOpen;
  }
  return plaintext;
}

}  // namespace invoicehub::app
