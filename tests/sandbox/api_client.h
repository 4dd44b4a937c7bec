#pragma once
// A /v1 client of one sandbox account for the tests: bearer key, an
// Idempotency-Key on every change (a fresh one unless the test names it),
// and the answer's status, JSON body and Idempotent-Replayed header.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace invoicehub::sandbox_test {

using Json = nlohmann::json;

struct ApiAnswer {
  int status = -1;  // -1: no answer (refused, timed out)
  Json body;        // null when not JSON
  bool replayed = false;
  // "" or the error code of {"error": {"code": ...}}.
  std::string error_code() const;
};

// A new random Idempotency-Key.
std::string NewIdempotencyKey();

class ApiClient {
 public:
  ApiClient(int port, std::string api_key) : port_(port), api_key_(std::move(api_key)) {}

  ApiAnswer Get(const std::string& path) const;
  ApiAnswer Post(const std::string& path, const Json& body) const {
    return Send("POST", path, body, NewIdempotencyKey());
  }
  ApiAnswer Put(const std::string& path, const Json& body) const {
    return Send("PUT", path, body, NewIdempotencyKey());
  }
  ApiAnswer Delete(const std::string& path) const { return Send("DELETE", path, nullptr, NewIdempotencyKey()); }
  // `idempotency_key` "" sends none; `body` null sends none.
  ApiAnswer Send(const std::string& method, const std::string& path, const Json& body,
                 const std::string& idempotency_key) const;

  // How long to wait for an answer (default 10 s).
  void set_read_timeout(std::chrono::milliseconds timeout) { read_timeout_ = timeout; }

  // --- shorthands; each records a test failure when the call fails
  // POST /v1/customers; the customer's id.
  std::string CreateCustomer(const std::string& external_id) const;
  // POST /v1/invoices with amount = outstanding = `amount` (CHF).
  Json CreateInvoice(const std::string& customer_id, const std::string& external_id, int64_t amount) const;
  // GET /v1/invoices/{id}.
  Json GetInvoice(const std::string& id) const;

 private:
  int port_;
  std::string api_key_;
  std::chrono::milliseconds read_timeout_{10'000};
};

}  // namespace invoicehub::sandbox_test
