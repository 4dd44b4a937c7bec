#include "storage/record_ids.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace invoicehub::storage {

int64_t RandomRecordId() {
  uint64_t value = 0;
  // Without entropy ids could repeat: stop rather than guess.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  constexpr uint64_t kLimit = uint64_t{1} << 53;
  return static_cast<int64_t>(value % (kLimit - 1)) + 1;
}

}  // namespace invoicehub::storage
