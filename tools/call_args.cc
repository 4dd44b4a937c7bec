#include "call_args.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ostream>

namespace invoicehub::call {
namespace {

std::string Trim(std::string s) {
  auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), is_space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), is_space).base(), s.end());
  return s;
}

// Go's strconv.ParseBool, which is what `-plaintext=false` goes through.
std::optional<bool> ParseBool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False")
    return false;
  return std::nullopt;
}

// grpcurl's MetadataFromHeaders: split at the first ':', lower-case and trim
// the name, trim the value.
std::pair<std::string, std::string> ParseHeader(const std::string& h) {
  const auto colon = h.find(':');
  std::string name = Trim(h.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string value = colon == std::string::npos ? "" : Trim(h.substr(colon + 1));
  return {name, value};
}

// gRPC aborts the process on metadata it considers illegal, so check first:
// names are [0-9a-z_.-]+, text values printable ASCII ("-bin" values are
// bytes and may hold anything).
std::optional<std::string> HeaderProblem(const std::string& name, const std::string& value) {
  const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
  if (!name_ok) return "header name \"" + name + "\" may only contain a-z, 0-9, '_', '.' and '-'";
  const bool binary = name.size() > 4 && name.ends_with("-bin");
  const bool value_ok = binary || std::all_of(value.begin(), value.end(),
                                              [](char c) { return c >= 0x20 && c <= 0x7E; });
  if (!value_ok) return "value of header \"" + name + "\" must be printable ASCII";
  return std::nullopt;
}

ParseResult UsageError(std::string message, bool show_usage = false) {
  ParseResult r;
  r.outcome = ParseResult::Outcome::kUsageError;
  r.error = std::move(message);
  r.show_usage = show_usage;
  return r;
}

ParseResult FlagError(std::string message) { return UsageError(std::move(message), true); }

}  // namespace

ParseResult ParseArgs(const std::vector<std::string>& argv) {
  ParseResult result;
  CallArgs& a = result.args;
  size_t i = 1;

  // Flags, with Go's rules: one or two dashes, `-name=value` or `-name value`
  // (booleans only take the `=` form), and the first non-flag ends the flags.
  for (; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') break;
    if (arg == "--") {
      ++i;
      break;
    }
    std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
    if (name.empty() || name[0] == '-' || name[0] == '=')
      return FlagError("bad flag syntax: " + arg);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }

    bool* bool_flag = name == "plaintext"       ? &a.plaintext
                      : name == "insecure"      ? &a.insecure
                      : name == "format-error"  ? &a.format_error
                      : name == "emit-defaults" ? &a.emit_defaults
                                                : nullptr;
    bool help = false;
    if (name == "help" || name == "h") bool_flag = &help;
    if (bool_flag != nullptr) {
      const auto b = value ? ParseBool(*value) : std::optional<bool>(true);
      if (!b) return FlagError("invalid boolean value \"" + *value + "\" for -" + name);
      *bool_flag = *b;
      if (help) {
        result.outcome = ParseResult::Outcome::kHelp;
        return result;
      }
      continue;
    }

    const bool known =
        name == "H" || name == "d" || name == "cacert" || name == "authority" || name == "max-time";
    if (!known) return FlagError("flag provided but not defined: -" + name);
    if (!value) {
      if (i + 1 >= argv.size()) return FlagError("flag needs an argument: -" + name);
      value = argv[++i];
    }
    if (name == "H") {
      auto header = ParseHeader(*value);
      if (auto problem = HeaderProblem(header.first, header.second))
        return UsageError("Invalid -H: " + *problem);
      a.headers.push_back(std::move(header));
    } else if (name == "d") {
      a.data = *value;
    } else if (name == "cacert") {
      a.cacert = *value;
    } else if (name == "authority") {
      a.authority = *value;
    } else {  // max-time
      char* end = nullptr;
      a.max_time_seconds = std::strtod(value->c_str(), &end);
      if (value->empty() || *end != '\0') {
        return FlagError("invalid value \"" + *value + "\" for flag -max-time: parse error");
      }
    }
  }

  if (a.plaintext && a.insecure) {
    return UsageError("The -plaintext and -insecure arguments are mutually exclusive.");
  }
  if (a.max_time_seconds < 0) return UsageError("The -max-time argument must not be negative.");

  // Positionals, as grpcurl reads them: ADDRESS (list [SERVICE] | METHOD).
  std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(i), argv.end());
  if (rest.empty()) return UsageError("Too few arguments.");
  if (rest[0] == "list" || rest[0] == "describe") return UsageError("No host:port specified.");
  a.address = rest[0];
  rest.erase(rest.begin());
  if (rest.empty()) return UsageError("Too few arguments.");
  if (rest[0] == "describe")
    return UsageError("The 'describe' verb is not supported by invoicehub-call.");
  if (rest[0] == "list") {
    a.list = true;
    rest.erase(rest.begin());
    if (!rest.empty()) {
      a.symbol = rest[0];
      rest.erase(rest.begin());
    }
  } else {
    a.symbol = rest[0];
    rest.erase(rest.begin());
  }
  if (!rest.empty()) return UsageError("Too many arguments.");
  return result;
}

void PrintUsage(std::ostream& out) {
  out << R"(Usage:
  invoicehub-call [flags] ADDRESS list [SERVICE]
  invoicehub-call [flags] ADDRESS SERVICE/METHOD

A grpcurl-compatible client for the Invoicehub API (unary and server-streaming
calls; a stream prints each response as its own JSON object). The request and
response types come from the protos compiled into this binary; 'list' asks
the server's reflection service.

Flags:
  -plaintext         Use plain-text HTTP/2 (no TLS).
  -insecure          Use TLS but skip verifying the server certificate. (NOT SECURE!)
  -cacert FILE       PEM file with the root certificates to trust (default: system roots).
  -authority NAME    Value of the :authority header; with TLS also the name checked
                     in the server certificate.
  -H 'name: value'   Add a request header (metadata). Repeatable.
  -d DATA            Request as JSON; '@' reads it from stdin. Default: {}.
  -max-time SECONDS  Deadline of the whole operation (default 30; 0: none).
  -emit-defaults     Print fields that have their default value.
  -format-error      Print a failed status as JSON instead of text.
  -help              Print this help.

Exit status: 0 on success, 64 + the gRPC status code when the call fails,
1 on other errors, 2 on a bad command line.
)";
}

}  // namespace invoicehub::call
