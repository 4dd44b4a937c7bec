#pragma once
// Remembers the first answer to each client request_id, inside the same
// transaction as the change it made, so a retry returns that answer and
// changes nothing more — also when the retry races the first attempt.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/database.h"

namespace invoicehub::storage {

struct RequestKey {
  int64_t scope_id = 0;        // the caller's company; 0 for the operator
  int64_t api_key_id = 0;      // the caller's key; 0 for the operator
  std::string request_id;
  std::string method;          // full gRPC method name
  std::string request_sha256;  // hex digest of the request
};

// Claims `key` for this transaction. Returns nullopt when the request is new
// (the caller goes on and later calls SaveResponse), or the stored response
// of the earlier request. If a concurrent transaction holds the same key,
// waits for it to end. INVALID_ARGUMENT when the request_id was used for a
// different request.
absl::StatusOr<std::optional<std::string>> ClaimRequest(Transaction& tx, const RequestKey& key, absl::Time now);

void SaveResponse(Transaction& tx, const RequestKey& key, const std::string& response);

}  // namespace invoicehub::storage
