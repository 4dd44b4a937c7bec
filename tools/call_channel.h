// Channel and per-call context built from the command line flags.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "call_args.h"

namespace invoicehub::call {

// Plaintext, TLS with system or -cacert roots, or unverified TLS (-insecure).
// Returns nullptr and sets *error if the flags cannot be honoured (e.g. an
// unreadable -cacert file).
std::shared_ptr<grpc::Channel> MakeChannel(const CallArgs& args, std::string* error);

// Applies -H headers and the -max-time deadline to a fresh context.
void PrepareContext(const CallArgs& args, grpc::ClientContext* context);

}  // namespace invoicehub::call
