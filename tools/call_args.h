// Command line of invoicehub-call: the subset of grpcurl's flags our scripts
// use, parsed the way Go's `flag` package parses them, so that one command
// line works with either tool.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace invoicehub::call {

struct CallArgs {
  bool plaintext = false;
  bool insecure = false;
  bool format_error = false;
  bool emit_defaults = false;
  std::string cacert;     // PEM file with TLS roots; empty: system roots
  std::string authority;  // overrides :authority and the TLS server name
  // -H 'name: value', in order; names already lower-cased and values trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string data;              // -d; "@" means stdin, empty means an empty request
  double max_time_seconds = 30;  // 0: no deadline

  std::string address;
  bool list = false;   // `list [SERVICE]`
  std::string symbol;  // the service for list, the method for a call
};

struct ParseResult {
  enum class Outcome { kRun, kHelp, kUsageError };
  Outcome outcome = Outcome::kRun;
  CallArgs args;
  std::string error;        // for kUsageError
  bool show_usage = false;  // a bad flag: print the whole usage, like Go's flag
};

ParseResult ParseArgs(const std::vector<std::string>& argv);

void PrintUsage(std::ostream& out);

}  // namespace invoicehub::call
