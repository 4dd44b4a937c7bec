#pragma once
// SHA-256 computed by the tests themselves (OpenSSL), not by the server, to
// check the digests the server reports and stores.

#include <string>

namespace invoicehub::testing {

// SHA-256 of `bytes` as lower-case hex; "" if OpenSSL fails (which no real
// digest equals).
std::string Sha256Hex(const std::string& bytes);

}  // namespace invoicehub::testing
