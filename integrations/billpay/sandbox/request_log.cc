#include "integrations/billpay/sandbox/request_log.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <string>

namespace invoicehub::billpay::sandbox {
namespace {

// httplib runs routing, the handler and the logger of one request on one
// thread, so a thread-local note reaches the logger.
thread_local std::string current_account;

}  // namespace

void NoteAccount(std::string_view account_id) { current_account = account_id; }

void ForgetAccountNote() { current_account.clear(); }

void LogRequest(const httplib::Request& request, const httplib::Response& response) {
  spdlog::info("{} {} {} account={}", request.method, request.path, response.status,
               current_account.empty() ? "-" : current_account);
}

}  // namespace invoicehub::billpay::sandbox
