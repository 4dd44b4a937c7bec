#pragma once
// The sandbox-only routes (no key): /sandbox/accounts, /sandbox/pay,
// /sandbox/reverse, /sandbox/state, /sandbox/faults, and the Pay Now page
// /pay/{token}. Payer actions queue their webhook in the same change.

namespace httplib {
class Server;
}

namespace invoicehub::billpay::sandbox {

struct SandboxContext;

void RegisterAdminRoutes(httplib::Server& server, SandboxContext& context);

}  // namespace invoicehub::billpay::sandbox
