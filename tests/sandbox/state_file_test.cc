// --state_file: the sandbox comes back from a crash (SIGKILL) with every
// object, payment, idempotent answer and undelivered webhook it had.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/sandbox/sandbox_fixture.h"
#include "tests/sandbox/webhook_receiver.h"

namespace invoicehub::sandbox_test {
namespace {

using StateFileTest = SandboxTest;

TEST_F(StateFileTest, EverythingSurvivesAKill) {
  ApiClient api = Api();
  std::string customer_key = NewIdempotencyKey();
  ApiAnswer customer = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, customer_key);
  ASSERT_EQ(customer.status, 201);
  Json invoice = api.CreateInvoice(customer.body["id"], "i1", 5000);
  Json payment = sandbox_.Pay({{invoice.value("pay_now_url", ""), 1500}});

  sandbox_.Kill();
  ASSERT_FALSE(sandbox_.running());
  ASSERT_TRUE(sandbox_.Restart());

  // The same key still replays the same answer, and the key still works.
  ApiAnswer replayed = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, customer_key);
  EXPECT_EQ(replayed.status, 201);
  EXPECT_TRUE(replayed.replayed);
  EXPECT_EQ(replayed.body, customer.body);
  Json stored = api.GetInvoice(invoice.value("id", ""));
  EXPECT_EQ(stored["outstanding"], 3500);
  EXPECT_EQ(stored["pay_now_url"], invoice["pay_now_url"]);
  Json feed = api.Get("/v1/payments").body;
  ASSERT_EQ(feed["data"].size(), 1u);
  EXPECT_EQ(feed["data"][0]["id"], payment["id"]);
  // The sequence goes on from where it was.
  Json second = sandbox_.Pay({{invoice.value("pay_now_url", ""), 500}});
  EXPECT_GT(second["sequence"], payment["sequence"]);
  // Uniqueness survives too.
  EXPECT_EQ(api.Post("/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}).status, 409);
}

TEST(StateFileWebhookTest, AnUndeliveredWebhookIsDeliveredAfterARestart) {
  WebhookReceiver receiver;
  receiver.set_answer(503);
  testing::SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  testing::SandboxAccount account = sandbox.CreateAccount("acme", receiver.url());
  ApiClient api(sandbox.port(), account.api_key);
  Json invoice = api.CreateInvoice(api.CreateCustomer("c1"), "i1", 5000);
  sandbox.Pay({{invoice.value("pay_now_url", ""), 100}});
  ASSERT_GE(receiver.WaitFor(1).size(), 1u);

  sandbox.Kill();
  receiver.set_answer(200);
  ASSERT_TRUE(sandbox.Restart());
  std::vector<ReceivedWebhook> received;
  for (size_t count = 2; count < 12; ++count) {
    received = receiver.WaitFor(count);
    if (received.size() < count || received.back().answered == 200) break;
  }
  ASSERT_FALSE(received.empty());
  EXPECT_EQ(received.back().answered, 200) << sandbox.LogForDiagnostics();
  EXPECT_EQ(received.back().body, received.front().body);
}

TEST(StateFileWebhookTest, SigtermStopsTheSandbox) {
  testing::SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  kill(sandbox.pid(), SIGTERM);
  for (int poll = 0; poll < 500 && sandbox.running(); ++poll)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(sandbox.running()) << sandbox.LogForDiagnostics();
  EXPECT_NE(sandbox.log().find("billpay-sandbox: stopped"), std::string::npos) << sandbox.LogForDiagnostics();
}

}  // namespace
}  // namespace invoicehub::sandbox_test
