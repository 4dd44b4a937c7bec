// A unary or server-streaming call of SERVICE/METHOD with a JSON request,
// typed by the protos compiled into this binary (not by reflection, unlike
// grpcurl).
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "call_args.h"

namespace invoicehub::call {

// Prints each response as JSON to stdout and a failed status to stderr;
// returns the process exit status (0, 64 + status code, or 1).
int Invoke(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args);

}  // namespace invoicehub::call
