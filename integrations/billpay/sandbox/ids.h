#pragma once
// Random ids, keys and Pay Now tokens, from OpenSSL's CSPRNG: keys and
// tokens must not be guessable even in a sandbox, since demos put the Pay Now
// URLs in real emails. (The fault injector's seeded generator is separate:
// it must be repeatable, these must not.)

#include <string>
#include <string_view>

namespace invoicehub::billpay::sandbox {

// `prefix` followed by 2 * `bytes` lower-case hex digits.
std::string RandomId(std::string_view prefix, int bytes = 12);

// "acct_" + `name` lower-cased, characters other than [a-z0-9] turned into
// '_': the fixed id of an account given on the command line.
std::string AccountIdFromName(std::string_view name);

}  // namespace invoicehub::billpay::sandbox
