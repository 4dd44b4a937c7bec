#pragma once
// One stderr line per request: method, path, status and account (never a
// key, a secret or a body). Handlers name the account they served with
// NoteAccount; the note lives on the serving thread.

#include <string_view>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace invoicehub::billpay::sandbox {

void NoteAccount(std::string_view account_id);
// Called before routing each request, so a note never carries over.
void ForgetAccountNote();
// The server's logger: called once the answer is written.
void LogRequest(const httplib::Request& request, const httplib::Response& response);

}  // namespace invoicehub::billpay::sandbox
