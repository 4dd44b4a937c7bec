// `list` and `list SERVICE`: asks the server's reflection service, like
// grpcurl, so the answer is what the server really exposes.
#pragma once

#include <grpcpp/channel.h>

#include <memory>

#include "call_args.h"

namespace invoicehub::call {

// Prints the sorted names to stdout; returns the process exit status.
int List(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args);

}  // namespace invoicehub::call
