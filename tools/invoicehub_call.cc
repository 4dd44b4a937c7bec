// invoicehub-call: a small grpcurl-compatible client, because grpcurl is not
// packaged in Debian. Same command lines, same output, same exit codes for
// what our scripts use: `ADDRESS list [SERVICE]` and unary or
// server-streaming `SERVICE/METHOD`.
#include <grpc/support/log.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "call_args.h"
#include "call_channel.h"
#include "call_invoke.h"
#include "call_list.h"

int main(int argc, char** argv) {
  using namespace invoicehub::call;
  const ParseResult parsed = ParseArgs(std::vector<std::string>(argv, argv + argc));
  switch (parsed.outcome) {
    case ParseResult::Outcome::kHelp:
      PrintUsage(std::cout);
      return 0;
    case ParseResult::Outcome::kUsageError:
      std::cerr << parsed.error << '\n';
      if (parsed.show_usage) {
        PrintUsage(std::cerr);
      } else {
        std::cerr << "Try 'invoicehub-call -help' for more details.\n";
      }
      return 2;
    case ParseResult::Outcome::kRun:
      break;
  }

  // gRPC logs failures (e.g. a TLS handshake) to stderr on its own; the
  // status we print already says it, and grpcurl prints nothing more either.
  // Setting GRPC_VERBOSITY brings the log back for debugging.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function([](gpr_log_func_args*) {});

  std::string error;
  const auto channel = MakeChannel(parsed.args, &error);
  if (!channel) {
    std::cerr << error << '\n';
    return 1;
  }
  return parsed.args.list ? List(channel, parsed.args) : Invoke(channel, parsed.args);
}
