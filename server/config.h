#pragma once
// Server configuration from flags, with INVOICEHUB_* environment variables
// as defaults (a flag wins over the environment).

#include <string>

#include "absl/status/statusor.h"

namespace invoicehub {

struct ServerConfig {
  std::string database_url;
  int database_pool_size = 8;
  std::string grpc_listen;  // host:port
  std::string http_listen;  // host:port
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string log_level;
  std::string operator_key;
  std::string master_key;  // seals bill-pay secrets (BP-6); empty: no bill-pay
  int billpay_timeout_ms = 10000;
  int sync_threads = 2;
  int sync_max_attempts = 20;
  int sync_retry_base_ms = 2000;
  int sync_lease_seconds = 120;
  int payment_import_interval_seconds = 60;
};

// Parses argv (exits with usage on unknown flags) and validates the result;
// an invalid value answers INVALID_ARGUMENT naming the flag.
absl::StatusOr<ServerConfig> LoadConfig(int argc, char** argv);

// One line per setting, secrets masked, for the start-up log.
std::string DescribeConfig(const ServerConfig& config);

// "host:port" -> host and port; false when malformed.
bool SplitHostPort(const std::string& address, std::string* host, int* port);

}  // namespace invoicehub
