// Webhooks (docs/billpay-contract.md "Webhooks"): signed, at least once,
// repeated until accepted, with injected duplicates. The receiver here is a
// plain HTTP server; VerifyWebhook is the check the Invoicehub server runs.

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>

#include "integrations/billpay/webhook_signature.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/sandbox/webhook_receiver.h"

namespace invoicehub::sandbox_test {
namespace {

using billpay::SignatureCheck;
using billpay::VerifyWebhook;

// A sandbox (with `flags`), an account whose webhooks go to `receiver`, and
// one open invoice of 10000 for it.
struct PayableAccount {
  testing::SandboxAccount account;
  Json invoice;
};

PayableAccount Prepare(testing::SandboxProcess& sandbox, const WebhookReceiver& receiver) {
  PayableAccount prepared{sandbox.CreateAccount("acme", receiver.url()), nullptr};
  ApiClient api(sandbox.port(), prepared.account.api_key);
  prepared.invoice = api.CreateInvoice(api.CreateCustomer("c1"), "i1", 10000);
  return prepared;
}

Json Parse(const std::string& body) { return Json::parse(body, nullptr, /*allow_exceptions=*/false); }

TEST(WebhookDeliveryTest, APayerPaymentIsDeliveredSignedWithTheAccountsSecret) {
  WebhookReceiver receiver;
  testing::SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  Json payment = sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), 2500}}, "ach");

  std::vector<ReceivedWebhook> received = receiver.WaitFor(1);
  ASSERT_EQ(received.size(), 1u) << sandbox.LogForDiagnostics();
  const ReceivedWebhook& webhook = received[0];
  EXPECT_EQ(webhook.content_type, "application/json");
  EXPECT_EQ(VerifyWebhook(prepared.account.webhook_secret, webhook.signature, webhook.body, std::time(nullptr)),
            SignatureCheck::kValid)
      << webhook.signature;
  EXPECT_EQ(VerifyWebhook("whsec_wrong", webhook.signature, webhook.body, std::time(nullptr)),
            SignatureCheck::kMismatch);
  Json event = Parse(webhook.body);
  EXPECT_EQ(event.value("id", "").rfind("evt_", 0), 0u);
  EXPECT_EQ(event["type"], "payment.succeeded");
  EXPECT_EQ(event["account_id"], prepared.account.account_id);
  EXPECT_EQ(event["data"]["payment"]["id"], payment["id"]);
  EXPECT_EQ(event["data"]["payment"]["amount"], 2500);
  EXPECT_EQ(event["data"]["payment"]["method"], "ach");
  EXPECT_EQ(event["data"]["payment"]["allocations"][0]["invoice_id"], prepared.invoice["id"]);
}

TEST(WebhookDeliveryTest, AReversalSendsPaymentReversedWithItsReason) {
  WebhookReceiver receiver;
  testing::SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  Json payment = sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), std::nullopt}});
  ASSERT_EQ(receiver.WaitFor(1).size(), 1u);
  sandbox.Reverse(payment.value("id", ""), "refund");

  std::vector<ReceivedWebhook> received = receiver.WaitFor(2);
  ASSERT_EQ(received.size(), 2u) << sandbox.LogForDiagnostics();
  Json event = Parse(received[1].body);
  EXPECT_EQ(event["type"], "payment.reversed");
  EXPECT_EQ(event["data"]["payment"]["id"], payment["id"]);
  EXPECT_EQ(event["data"]["payment"]["status"], "reversed");
  EXPECT_EQ(event["data"]["payment"]["reversal_reason"], "refund");
  EXPECT_NE(event["id"], Parse(received[0].body)["id"]);
  EXPECT_EQ(VerifyWebhook(prepared.account.webhook_secret, received[1].signature, received[1].body, std::time(nullptr)),
            SignatureCheck::kValid);
}

// BP-12 is the receiver's job; this is the sandbox giving it something to do.
TEST(WebhookDeliveryTest, DuplicateRateOneDeliversEveryEventTwiceWithOneId) {
  WebhookReceiver receiver;
  testing::SandboxProcess sandbox({"--webhook_duplicate_rate=1"});
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), 100}});

  std::vector<ReceivedWebhook> received = receiver.WaitFor(2);
  ASSERT_EQ(received.size(), 2u) << sandbox.LogForDiagnostics();
  EXPECT_EQ(Parse(received[0].body)["id"], Parse(received[1].body)["id"]);
  EXPECT_EQ(received[0].body, received[1].body);
  for (const ReceivedWebhook& webhook : received)
    EXPECT_EQ(VerifyWebhook(prepared.account.webhook_secret, webhook.signature, webhook.body, std::time(nullptr)),
              SignatureCheck::kValid);
}

TEST(WebhookDeliveryTest, AFailedDeliveryIsRepeatedUntilAccepted) {
  WebhookReceiver receiver;
  receiver.set_answer(500);
  testing::SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), 100}});
  ASSERT_EQ(receiver.WaitFor(2).size(), 2u) << sandbox.LogForDiagnostics();
  receiver.set_answer(200);

  // Wait for the accepted attempt: the one this receiver answered 200.
  std::vector<ReceivedWebhook> received;
  for (size_t count = 3; count < 10; ++count) {
    received = receiver.WaitFor(count);
    if (received.size() < count || received.back().answered == 200) break;
  }
  ASSERT_FALSE(received.empty());
  ASSERT_EQ(received.back().answered, 200) << sandbox.LogForDiagnostics();
  for (const ReceivedWebhook& webhook : received) EXPECT_EQ(webhook.body, received[0].body);

  // The state records every attempt, and nothing is left to send.
  Json account = WaitForDeliveries(sandbox, prepared.account.account_id, received.size());
  Json deliveries = account["deliveries"];
  ASSERT_EQ(deliveries.size(), received.size());
  EXPECT_EQ(deliveries[0]["http_status"], 500);
  EXPECT_EQ(deliveries[0]["outcome"], "retrying");
  EXPECT_EQ(deliveries[0]["attempt"], 1);
  EXPECT_EQ(deliveries.back()["outcome"], "delivered");
  EXPECT_EQ(deliveries.back()["http_status"], 200);
  EXPECT_EQ(deliveries.back()["attempt"], static_cast<int>(received.size()));
  EXPECT_EQ(account["pending_webhooks"].size(), 0u);
}

TEST(WebhookDeliveryTest, DeliveryGivesUpAfterMaxAttempts) {
  WebhookReceiver receiver;
  receiver.set_answer(503);
  testing::SandboxProcess sandbox({"--webhook_max_attempts=2"});
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), 100}});
  ASSERT_EQ(receiver.WaitFor(2).size(), 2u);
  Json account = WaitForDeliveries(sandbox, prepared.account.account_id, 2);
  ASSERT_EQ(account["deliveries"].size(), 2u);
  EXPECT_EQ(account["deliveries"][1]["outcome"], "gave_up");
  EXPECT_EQ(account["pending_webhooks"].size(), 0u);
}

TEST(WebhookDeliveryTest, FailRateOneFailsEveryAttemptWithoutSendingIt) {
  WebhookReceiver receiver;
  testing::SandboxProcess sandbox({"--webhook_fail_rate=1", "--webhook_max_attempts=2"});
  ASSERT_TRUE(sandbox.ready());
  PayableAccount prepared = Prepare(sandbox, receiver);
  sandbox.Pay({{prepared.invoice.value("pay_now_url", ""), 100}});
  Json account = WaitForDeliveries(sandbox, prepared.account.account_id, 2);
  ASSERT_EQ(account["deliveries"].size(), 2u) << sandbox.LogForDiagnostics();
  for (const Json& delivery : account["deliveries"]) {
    EXPECT_EQ(delivery["http_status"], 0);
    EXPECT_NE(delivery["error"].get<std::string>().find("webhook_fail_rate"), std::string::npos) << delivery;
  }
  EXPECT_EQ(account["deliveries"][1]["outcome"], "gave_up");
  // It gave up, so nothing can still arrive: the receiver saw nothing.
  EXPECT_EQ(receiver.WaitFor(1, std::chrono::milliseconds(0)).size(), 0u);
}

}  // namespace
}  // namespace invoicehub::sandbox_test
