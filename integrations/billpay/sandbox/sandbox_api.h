#pragma once
// The /v1 routes of docs/billpay-contract.md: bearer-key auth per account,
// Idempotency-Key on every change, and the injected faults (latency, 503
// before any change, hang after the change is stored).

namespace httplib {
class Server;
}

namespace invoicehub::billpay::sandbox {

struct SandboxContext;

void RegisterApiRoutes(httplib::Server& server, SandboxContext& context);

}  // namespace invoicehub::billpay::sandbox
