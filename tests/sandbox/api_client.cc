#include "tests/sandbox/api_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <random>

namespace invoicehub::sandbox_test {

std::string ApiAnswer::error_code() const {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  return body["error"].value("code", "");
}

std::string NewIdempotencyKey() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t run = std::random_device{}();
  return "test-" + std::to_string(run) + "-" + std::to_string(counter++);
}

ApiAnswer ApiClient::Get(const std::string& path) const { return Send("GET", path, nullptr, ""); }

ApiAnswer ApiClient::Send(const std::string& method, const std::string& path, const Json& body,
                          const std::string& idempotency_key) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_connection_timeout(5, 0);
  auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(read_timeout_).count();
  client.set_read_timeout(timeout / 1'000'000, timeout % 1'000'000);
  httplib::Headers headers;
  if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  std::string text = body.is_null() ? "" : body.dump();
  httplib::Result result = method == "POST"     ? client.Post(path.c_str(), headers, text, "application/json")
                           : method == "PUT"    ? client.Put(path.c_str(), headers, text, "application/json")
                           : method == "DELETE" ? client.Delete(path.c_str(), headers)
                                                : client.Get(path.c_str(), headers);
  if (!result) return {};
  return {result->status, Json::parse(result->body, nullptr, /*allow_exceptions=*/false),
          result->get_header_value("Idempotent-Replayed") == "true"};
}

std::string ApiClient::CreateCustomer(const std::string& external_id) const {
  ApiAnswer answer = Post(
      "/v1/customers",
      {{"external_id", external_id}, {"name", "Customer " + external_id}, {"email", external_id + "@example.com"}});
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer.status == 201 ? answer.body.value("id", "") : "";
}

Json ApiClient::CreateInvoice(const std::string& customer_id, const std::string& external_id, int64_t amount) const {
  ApiAnswer answer = Post("/v1/invoices", {{"customer_id", customer_id},
                                           {"external_id", external_id},
                                           {"number", "INV-" + external_id},
                                           {"invoice_date", "2025-03-01"},
                                           {"due_date", "2025-03-31"},
                                           {"currency", "CHF"},
                                           {"amount", amount},
                                           {"outstanding", amount},
                                           {"pdf_base64", "JVBERi0xLjQK"}});
  EXPECT_EQ(answer.status, 201) << answer.body;
  return answer.status == 201 ? answer.body : Json::object();
}

Json ApiClient::GetInvoice(const std::string& id) const {
  ApiAnswer answer = Get("/v1/invoices/" + id);
  EXPECT_EQ(answer.status, 200) << answer.body;
  return answer.body;
}

}  // namespace invoicehub::sandbox_test
