#include "integrations/billpay/sandbox/ids.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace invoicehub::billpay::sandbox {

std::string RandomId(std::string_view prefix, int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> random(static_cast<size_t>(bytes));
  if (RAND_bytes(random.data(), bytes) != 1) {
    // No entropy means no safe keys: better to stop than to hand out
    // predictable ones.
    std::fputs("billpay-sandbox: RAND_bytes failed\n", stderr);
    std::abort();
  }
  std::string id(prefix);
  for (unsigned char byte : random) {
    id += kHex[byte >> 4];
    id += kHex[byte & 0x0f];
  }
  return id;
}

std::string AccountIdFromName(std::string_view name) {
  std::string id = "acct_";
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    bool plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    id += plain ? c : '_';
  }
  return id;
}

}  // namespace invoicehub::billpay::sandbox
