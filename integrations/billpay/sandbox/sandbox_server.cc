#include "integrations/billpay/sandbox/sandbox_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "integrations/billpay/sandbox/http_replies.h"
#include "integrations/billpay/sandbox/request_log.h"
#include "integrations/billpay/sandbox/sandbox_admin.h"
#include "integrations/billpay/sandbox/sandbox_api.h"
#include "integrations/billpay/sandbox/sandbox_context.h"

namespace invoicehub::billpay::sandbox {
namespace {

// Invoice PDFs arrive base64-encoded inside JSON: a few MB each.
constexpr size_t kMaxBodyBytes = 16 << 20;
constexpr time_t kReadWriteTimeoutSeconds = 30;
// Injected hangs hold a thread each for hang_ms; httplib's default of 8
// threads would let a few of them stall every other caller.
constexpr size_t kThreads = 32;

}  // namespace

std::unique_ptr<httplib::Server> MakeServer(SandboxContext& context) {
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server->set_payload_max_length(kMaxBodyBytes);
  // Headers and body go out in separate writes; without this the body waits
  // for the client's delayed ACK, about 40 ms per call on a kept-alive
  // connection (docs/performance.md).
  server->set_tcp_nodelay(true);
  server->set_read_timeout(kReadWriteTimeoutSeconds, 0);
  server->set_write_timeout(kReadWriteTimeoutSeconds, 0);
  server->set_keep_alive_timeout(5);
  server->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    ForgetAccountNote();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server->set_logger(LogRequest);
  // Answers without a body (no such route, body too large, ...) still get
  // the contract's error form; answers with one are left alone.
  server->set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                    httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Reply reply = response.status == 404   ? ErrorReply(404, "not_found", "no such route")
                  : response.status == 413 ? ErrorReply(413, "invalid_request", "the body is too large")
                                           : ErrorReply(response.status, "invalid_request", "the request was refused");
    response.set_content(reply.body, "application/json");
    return httplib::Server::HandlerResponse::Handled;
  }));
  server->set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& exception) {
          what = exception.what();
        } catch (...) {
        }
        spdlog::error("{} {} failed: {}", request.method, request.path, what);
        Reply reply = ErrorReply(500, "internal", "the sandbox failed; see its log");
        response.status = reply.status;
        response.set_content(reply.body, "application/json");
      });
  RegisterApiRoutes(*server, context);
  RegisterAdminRoutes(*server, context);
  return server;
}

}  // namespace invoicehub::billpay::sandbox
