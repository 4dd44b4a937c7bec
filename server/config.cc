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
  if (const char* v = env("INVOICEHUB_DATABASE_POOL_SIZE")) {
    int size = 0;
    // A malformed value is caught by validation as an impossible size.
    absl::SetFlag(&FLAGS_database_pool_size, absl::SimpleAtoi(v, &size) ? size : -1);
  }
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
                      " operator_key=", secret(config.operator_key));
}

}  // namespace invoicehub
