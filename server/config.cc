#include "server/config.h"

#include <cstdlib>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/domain/field_errors.h"
#include "storage/database.h"

ABSL_FLAG(std::string, database_url, "", "PostgreSQL URL (env INVOICEHUB_DATABASE_URL)");
ABSL_FLAG(int, database_pool_size, 8, "database connections (env INVOICEHUB_DATABASE_POOL_SIZE)");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051", "gRPC host:port (env INVOICEHUB_GRPC_LISTEN)");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080", "HTTP host:port (env INVOICEHUB_HTTP_LISTEN)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate chain for gRPC TLS (env INVOICEHUB_TLS_CERT)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for gRPC TLS (env INVOICEHUB_TLS_KEY)");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn or error (env INVOICEHUB_LOG_LEVEL)");
ABSL_FLAG(std::string, operator_key, "", "bootstrap key that may create companies (env INVOICEHUB_OPERATOR_KEY)");
ABSL_FLAG(std::string, master_key, "",
          "32 bytes as 64 hex characters or base64, sealing bill-pay secrets (env INVOICEHUB_MASTER_KEY)");
ABSL_FLAG(int, billpay_timeout_ms, 10000, "per bill-pay call, connection included (env INVOICEHUB_BILLPAY_TIMEOUT_MS)");
ABSL_FLAG(int, sync_threads, 2, "outbox dispatcher threads; 0 sends nothing (env INVOICEHUB_SYNC_THREADS)");
ABSL_FLAG(int, sync_max_attempts, 20,
          "attempts before an outbox row is parked as failed (env INVOICEHUB_SYNC_MAX_ATTEMPTS)");
ABSL_FLAG(int, sync_retry_base_ms, 2000,
          "first retry delay of an outbox row; doubles per attempt up to 10 minutes (env INVOICEHUB_SYNC_RETRY_BASE_MS)");
ABSL_FLAG(int, sync_lease_seconds, 120,
          "how long a dispatcher holds a claimed outbox row (env INVOICEHUB_SYNC_LEASE_SECONDS)");
ABSL_FLAG(int, payment_import_interval_seconds, 60,
          "how often bill-pay payments are imported; 0 only on demand (env INVOICEHUB_PAYMENT_IMPORT_INTERVAL_SECONDS)");

namespace invoicehub {
namespace {

constexpr size_t kMinOperatorKeyLength = 24;

// Environment values become the flags' defaults before argv is parsed.
void ApplyEnvironmentDefaults() {
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  if (const char* v = env("INVOICEHUB_DATABASE_URL")) absl::SetFlag(&FLAGS_database_url, v);
  if (const char* v = env("INVOICEHUB_GRPC_LISTEN")) absl::SetFlag(&FLAGS_grpc_listen, v);
  if (const char* v = env("INVOICEHUB_HTTP_LISTEN")) absl::SetFlag(&FLAGS_http_listen, v);
  if (const char* v = env("INVOICEHUB_TLS_CERT")) absl::SetFlag(&FLAGS_tls_cert, v);
  if (const char* v = env("INVOICEHUB_TLS_KEY")) absl::SetFlag(&FLAGS_tls_key, v);
  if (const char* v = env("INVOICEHUB_LOG_LEVEL")) absl::SetFlag(&FLAGS_log_level, v);
  if (const char* v = env("INVOICEHUB_OPERATOR_KEY")) absl::SetFlag(&FLAGS_operator_key, v);
  if (const char* v = env("INVOICEHUB_MASTER_KEY")) absl::SetFlag(&FLAGS_master_key, v);
  // A malformed number is caught by validation as an impossible value.
  auto number = [](const char* text) {
    int value = 0;
    return absl::SimpleAtoi(text, &value) ? value : -1;
  };
  if (const char* v = env("INVOICEHUB_DATABASE_POOL_SIZE")) absl::SetFlag(&FLAGS_database_pool_size, number(v));
  if (const char* v = env("INVOICEHUB_BILLPAY_TIMEOUT_MS")) absl::SetFlag(&FLAGS_billpay_timeout_ms, number(v));
  if (const char* v = env("INVOICEHUB_SYNC_THREADS")) absl::SetFlag(&FLAGS_sync_threads, number(v));
  if (const char* v = env("INVOICEHUB_SYNC_MAX_ATTEMPTS")) absl::SetFlag(&FLAGS_sync_max_attempts, number(v));
  if (const char* v = env("INVOICEHUB_SYNC_RETRY_BASE_MS")) absl::SetFlag(&FLAGS_sync_retry_base_ms, number(v));
  if (const char* v = env("INVOICEHUB_SYNC_LEASE_SECONDS")) absl::SetFlag(&FLAGS_sync_lease_seconds, number(v));
  if (const char* v = env("INVOICEHUB_PAYMENT_IMPORT_INTERVAL_SECONDS"))
    absl::SetFlag(&FLAGS_payment_import_interval_seconds, number(v));
}

bool Readable(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  return absl::SimpleAtoi(address.substr(colon + 1), port) && *port >= 0 && *port <= 65535;
}

absl::StatusOr<ServerConfig> LoadConfig(int argc, char** argv) {
  absl::SetProgramUsageMessage("invoicehub-server: the Invoicehub gRPC server. Flags override INVOICEHUB_* env vars.");
  ApplyEnvironmentDefaults();
  absl::ParseCommandLine(argc, argv);
  ServerConfig config{
      .database_url = absl::GetFlag(FLAGS_database_url),
      .database_pool_size = absl::GetFlag(FLAGS_database_pool_size),
      .grpc_listen = absl::GetFlag(FLAGS_grpc_listen),
      .http_listen = absl::GetFlag(FLAGS_http_listen),
      .tls_cert_file = absl::GetFlag(FLAGS_tls_cert),
      .tls_key_file = absl::GetFlag(FLAGS_tls_key),
      .log_level = absl::GetFlag(FLAGS_log_level),
      .operator_key = absl::GetFlag(FLAGS_operator_key),
      .master_key = absl::GetFlag(FLAGS_master_key),
      .billpay_timeout_ms = absl::GetFlag(FLAGS_billpay_timeout_ms),
      .sync_threads = absl::GetFlag(FLAGS_sync_threads),
      .sync_max_attempts = absl::GetFlag(FLAGS_sync_max_attempts),
      .sync_retry_base_ms = absl::GetFlag(FLAGS_sync_retry_base_ms),
      .sync_lease_seconds = absl::GetFlag(FLAGS_sync_lease_seconds),
      .payment_import_interval_seconds = absl::GetFlag(FLAGS_payment_import_interval_seconds),
  };

  domain::FieldErrors errors;
  std::string host;
  int port = 0;
  if (config.database_url.empty()) errors.Add("--database_url", "is required (or set INVOICEHUB_DATABASE_URL)");
  if (config.database_pool_size < 1 || config.database_pool_size > 64)
    errors.Add("--database_pool_size", "must be from 1 to 64");
  if (!SplitHostPort(config.grpc_listen, &host, &port)) errors.Add("--grpc_listen", "must be host:port");
  if (!SplitHostPort(config.http_listen, &host, &port)) errors.Add("--http_listen", "must be host:port");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty())
    errors.Add("--tls_cert", "and --tls_key go together: give both or neither");
  if (!config.tls_cert_file.empty() && !Readable(config.tls_cert_file))
    errors.Add("--tls_cert", absl::StrCat("cannot read ", config.tls_cert_file));
  if (!config.tls_key_file.empty() && !Readable(config.tls_key_file))
    errors.Add("--tls_key", absl::StrCat("cannot read ", config.tls_key_file));
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  if (std::find(std::begin(kLevels), std::end(kLevels), config.log_level) == std::end(kLevels))
    errors.Add("--log_level", absl::StrCat("must be one of ", absl::StrJoin(kLevels, ", ")));
  if (!config.operator_key.empty() && config.operator_key.size() < kMinOperatorKeyLength)
    errors.Add("--operator_key", absl::StrCat("must be at least ", kMinOperatorKeyLength, " characters"));
  if (config.billpay_timeout_ms < 100 || config.billpay_timeout_ms > 120000)
    errors.Add("--billpay_timeout_ms", "must be from 100 to 120000");
  if (config.sync_threads < 0 || config.sync_threads > 16) errors.Add("--sync_threads", "must be from 0 to 16");
  if (config.sync_max_attempts < 1 || config.sync_max_attempts > 100)
    errors.Add("--sync_max_attempts", "must be from 1 to 100");
  if (config.sync_retry_base_ms < 1) errors.Add("--sync_retry_base_ms", "must be at least 1");
  // A lease shorter than a row's bill-pay calls (up to 5: find and create
  // the customer, create the invoice, adopt and update it) would hand the
  // row to a second dispatcher while the first still works on it.
  if (config.sync_lease_seconds * 1000 < 5 * config.billpay_timeout_ms)
    errors.Add("--sync_lease_seconds", "must be at least 5 bill-pay timeouts");
  if (config.payment_import_interval_seconds < 0)
    errors.Add("--payment_import_interval_seconds", "must be 0 or more");
  if (absl::Status status = errors.ToStatus("invalid configuration"); !status.ok()) return status;
  return config;
}

std::string DescribeConfig(const ServerConfig& config) {
  auto secret = [](const std::string& value) { return value.empty() ? "(not set)" : "(set, hidden)"; };
  return absl::StrCat("database_url=", storage::MaskDatabaseUrl(config.database_url),
                      " database_pool_size=", config.database_pool_size, " grpc_listen=", config.grpc_listen,
                      " http_listen=", config.http_listen, " tls=", config.tls_cert_file.empty() ? "off" : "on",
                      " tls_cert=", config.tls_cert_file.empty() ? "(not set)" : config.tls_cert_file,
                      " tls_key=", config.tls_key_file.empty() ? "(not set)" : config.tls_key_file,
                      " log_level=", config.log_level,
                      " operator_key=", secret(config.operator_key), " master_key=", secret(config.master_key),
                      " billpay_timeout_ms=", config.billpay_timeout_ms, " sync_threads=", config.sync_threads,
                      " sync_max_attempts=", config.sync_max_attempts,
                      " sync_retry_base_ms=", config.sync_retry_base_ms,
                      " sync_lease_seconds=", config.sync_lease_seconds,
                      " payment_import_interval_seconds=", config.payment_import_interval_seconds);
}

}  // namespace invoicehub
