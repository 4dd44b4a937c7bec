#pragma once
// The sandbox's HTTP server: every route, the request log, JSON answers for
// unknown routes, and the limits (body size, timeouts, threads).

#include <memory>

namespace httplib {
class Server;
}

namespace invoicehub::billpay::sandbox {

struct SandboxContext;

std::unique_ptr<httplib::Server> MakeServer(SandboxContext& context);

}  // namespace invoicehub::billpay::sandbox
