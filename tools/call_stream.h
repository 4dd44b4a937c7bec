// The transport of a server-streaming call made through the generic API:
// one request out, each response handed over as it arrives, then the final
// status. It neither parses nor prints; call_invoke.cc does that for both
// kinds of call.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <functional>
#include <memory>
#include <string>

namespace invoicehub::call {

// Returns false to stop reading; the call is then cancelled, so the status
// returned is CANCELLED rather than the server's.
using ResponseHandler = std::function<bool(const grpc::ByteBuffer& response)>;

// Sends `request` to `method` ("/pkg.Service/Method"), calls on_response for
// each response in order, and returns the call's final status.
grpc::Status CallServerStream(const std::shared_ptr<grpc::Channel>& channel,
                              grpc::ClientContext* context, const std::string& method,
                              const grpc::ByteBuffer& request, const ResponseHandler& on_response);

}  // namespace invoicehub::call
