#include "integrations/billpay/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>
#include <optional>
#include <vector>

namespace invoicehub::billpay {
namespace {

constexpr size_t kDigestBytes = 32;  // SHA-256
using Digest = std::array<unsigned char, kDigestBytes>;

Digest Hmac(std::string_view secret, int64_t timestamp, std::string_view body) {
  std::string message = std::to_string(timestamp);
  message += '.';
  message += body;
  Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &length);
  return digest;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A v1 value is exactly one SHA-256 digest in hex; anything else is malformed.
std::optional<Digest> ParseHexDigest(std::string_view hex) {
  if (hex.size() != 2 * kDigestBytes) return std::nullopt;
  Digest digest{};
  for (size_t i = 0; i < kDigestBytes; ++i) {
    int high = HexValue(hex[2 * i]);
    int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

// Plain decimal digits only: "+5", "-5" or " 5" are not timestamps we sign.
std::optional<int64_t> ParseTimestamp(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The entries between commas.
std::vector<std::string_view> SplitEntries(std::string_view header) {
  std::vector<std::string_view> entries;
  while (true) {
    size_t comma = header.find(',');
    entries.push_back(TrimSpaces(header.substr(0, comma)));
    if (comma == std::string_view::npos) return entries;
    header.remove_prefix(comma + 1);
  }
}

struct ParsedHeader {
  int64_t timestamp = 0;
  std::vector<Digest> signatures;
};

// Entries other than t and v1 (a future v2, say) are skipped; a second t
// is malformed, since it would be unclear which one was signed.
std::optional<ParsedHeader> ParseHeader(std::string_view header) {
  ParsedHeader parsed;
  bool has_timestamp = false;
  for (std::string_view entry : SplitEntries(header)) {
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    std::string_view key = entry.substr(0, equals);
    std::string_view value = entry.substr(equals + 1);
    if (key == "t") {
      std::optional<int64_t> timestamp = ParseTimestamp(value);
      if (has_timestamp || !timestamp) return std::nullopt;
      parsed.timestamp = *timestamp;
      has_timestamp = true;
    } else if (key == "v1") {
      std::optional<Digest> digest = ParseHexDigest(value);
      if (!digest) return std::nullopt;
      parsed.signatures.push_back(*digest);
    }
  }
  if (!has_timestamp || parsed.signatures.empty()) return std::nullopt;
  return parsed;
}

// |a - b| without signed overflow: the difference of two int64 always fits
// in a uint64.
uint64_t Distance(int64_t a, int64_t b) {
  return a > b ? static_cast<uint64_t>(a) - static_cast<uint64_t>(b)
               : static_cast<uint64_t>(b) - static_cast<uint64_t>(a);
}

}  // namespace

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  Digest digest = Hmac(secret, timestamp, body);
  std::string header = "t=" + std::to_string(timestamp) + ",v1=";
  for (unsigned char byte : digest) {
    header += kHex[byte >> 4];
    header += kHex[byte & 0x0f];
  }
  return header;
}

const char* SignatureCheckName(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::kValid:
      return "valid";
    case SignatureCheck::kMalformed:
      return "malformed";
    case SignatureCheck::kMismatch:
      return "mismatch";
    case SignatureCheck::kStale:
      return "stale";
  }
  return "unknown";
}

// The signature is checked before the age, so kStale means "authentic but
// too old or too new" (a replay, or a skewed clock), which is worth telling
// apart from a forgery.
SignatureCheck VerifyWebhook(std::string_view secret, std::string_view header, std::string_view body, int64_t now_unix,
                             int64_t tolerance_seconds) {
  std::optional<ParsedHeader> parsed = ParseHeader(header);
  if (!parsed) return SignatureCheck::kMalformed;
  Digest expected = Hmac(secret, parsed->timestamp, body);
  bool matched = false;
  // Every entry is compared, in constant time, so timing tells nothing about
  // which one (if any) matched.
  for (const Digest& candidate : parsed->signatures)
    matched |= CRYPTO_memcmp(candidate.data(), expected.data(), kDigestBytes) == 0;
  if (!matched) return SignatureCheck::kMismatch;
  if (tolerance_seconds < 0 || Distance(parsed->timestamp, now_unix) > static_cast<uint64_t>(tolerance_seconds))
    return SignatureCheck::kStale;
  return SignatureCheck::kValid;
}

}  // namespace invoicehub::billpay
