// Payments and their change feed (docs/billpay-contract.md "Payments",
// "Sandbox only": /sandbox/pay and /sandbox/reverse).

#include <gtest/gtest.h>

#include "tests/sandbox/sandbox_fixture.h"

namespace invoicehub::sandbox_test {
namespace {

using PaymentsTest = SandboxTest;

// One page of GET /v1/payments.
Json FeedPage(const ApiClient& api, const std::string& after, int limit) {
  std::string path = "/v1/payments?limit=" + std::to_string(limit);
  if (!after.empty()) path += "&after=" + after;
  ApiAnswer answer = api.Get(path);
  EXPECT_EQ(answer.status, 200) << answer.body;
  return answer.body;
}

TEST_F(PaymentsTest, OnePaymentOverTwoInvoicesLowersBothAndIsInTheFeed) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  Json first = api.CreateInvoice(customer, "i1", 10000);
  Json second = api.CreateInvoice(customer, "i2", 2500);
  // Part of the first, all of the second (no amount: what is outstanding).
  Json payment =
      sandbox_.Pay({{first.value("pay_now_url", ""), 4000}, {second.value("pay_now_url", ""), std::nullopt}});
  ASSERT_TRUE(payment.is_object());
  EXPECT_EQ(payment["amount"], 6500);
  EXPECT_EQ(payment["status"], "succeeded");
  EXPECT_EQ(payment["origin"], "payer");
  EXPECT_EQ(payment["method"], "card");
  EXPECT_EQ(payment["customer_id"], customer);
  ASSERT_EQ(payment["allocations"].size(), 2u);
  EXPECT_EQ(payment["allocations"][0]["invoice_id"], first["id"]);
  EXPECT_EQ(payment["allocations"][0]["amount"], 4000);
  EXPECT_EQ(payment["allocations"][1]["invoice_id"], second["id"]);
  EXPECT_EQ(payment["allocations"][1]["amount"], 2500);

  Json first_after = api.GetInvoice(first.value("id", ""));
  Json second_after = api.GetInvoice(second.value("id", ""));
  EXPECT_EQ(first_after["outstanding"], 6000);
  EXPECT_EQ(first_after["status"], "open");
  EXPECT_EQ(second_after["outstanding"], 0);
  EXPECT_EQ(second_after["status"], "paid");

  Json feed = FeedPage(api, "", 100);
  ASSERT_EQ(feed["data"].size(), 1u);
  EXPECT_EQ(feed["data"][0]["id"], payment["id"]);
  EXPECT_EQ(feed["has_more"], false);
}

TEST_F(PaymentsTest, ThePayerCannotPayMoreThanIsDueNorMixCustomers) {
  ApiClient api = Api();
  Json mine = api.CreateInvoice(api.CreateCustomer("c1"), "i1", 1000);
  Json someone_elses = api.CreateInvoice(api.CreateCustomer("c2"), "i2", 1000);
  auto pay = [&](const Json& items) { return sandbox_.Call("POST", "/sandbox/pay", Json{{"items", items}}.dump()); };
  std::string url = mine.value("pay_now_url", "");
  EXPECT_EQ(pay(Json::array({{{"pay_now_url", url}, {"amount", 1001}}})).status, 409);
  EXPECT_EQ(pay(Json::array({{{"pay_now_url", url}, {"amount", 0}}})).status, 400);
  EXPECT_EQ(
      pay(Json::array({{{"pay_now_url", url}}, {{"pay_now_url", someone_elses.value("pay_now_url", "")}}})).status,
      400);
  EXPECT_EQ(pay(Json::array({{{"pay_now_url", sandbox_.base_url() + "/pay/0123456789abcdef"}}})).status, 404);
  // None of that changed anything.
  EXPECT_EQ(api.GetInvoice(mine.value("id", ""))["outstanding"], 1000);
  EXPECT_EQ(api.GetInvoice(someone_elses.value("id", ""))["outstanding"], 1000);
  EXPECT_EQ(FeedPage(api, "", 100)["data"].size(), 0u);
  // A deleted invoice cannot be paid.
  ASSERT_EQ(api.Delete("/v1/invoices/" + mine.value("id", "")).status, 200);
  EXPECT_EQ(pay(Json::array({{{"pay_now_url", url}}})).status, 409);
}

TEST_F(PaymentsTest, TheFeedPagesByCursorAndAReversalListsThePaymentAgain) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  std::vector<std::string> payments;
  Json invoice = api.CreateInvoice(customer, "i1", 3000);
  for (int i = 0; i < 3; ++i)
    payments.push_back(sandbox_.Pay({{invoice.value("pay_now_url", ""), 1000}}).value("id", ""));
  EXPECT_EQ(api.GetInvoice(invoice.value("id", ""))["status"], "paid");

  Json page1 = FeedPage(api, "", 2);
  ASSERT_EQ(page1["data"].size(), 2u);
  EXPECT_EQ(page1["data"][0]["id"], payments[0]);
  EXPECT_EQ(page1["data"][1]["id"], payments[1]);
  EXPECT_EQ(page1["has_more"], true);
  Json page2 = FeedPage(api, page1["next_cursor"], 2);
  ASSERT_EQ(page2["data"].size(), 1u);
  EXPECT_EQ(page2["data"][0]["id"], payments[2]);
  EXPECT_EQ(page2["has_more"], false);
  std::string cursor = page2["next_cursor"];
  Json empty = FeedPage(api, cursor, 2);
  EXPECT_EQ(empty["data"].size(), 0u);
  EXPECT_EQ(empty["next_cursor"], cursor);

  // A chargeback on the first payment: it comes back in the feed, after the
  // cursor, with its new state, and the invoice owes that part again.
  Json reversed = sandbox_.Reverse(payments[0], "chargeback");
  EXPECT_EQ(reversed["status"], "reversed");
  Json page3 = FeedPage(api, cursor, 100);
  ASSERT_EQ(page3["data"].size(), 1u);
  EXPECT_EQ(page3["data"][0]["id"], payments[0]);
  EXPECT_EQ(page3["data"][0]["status"], "reversed");
  EXPECT_EQ(page3["data"][0]["reversal_reason"], "chargeback");
  EXPECT_GT(page3["data"][0]["sequence"], page1["data"][1]["sequence"]);
  Json after = api.GetInvoice(invoice.value("id", ""));
  EXPECT_EQ(after["outstanding"], 1000);
  EXPECT_EQ(after["status"], "open");
  // A payment is reversed once.
  EXPECT_EQ(
      sandbox_.Call("POST", "/sandbox/reverse", Json{{"payment_id", payments[0]}, {"reason", "refund"}}.dump()).status,
      409);
  // The whole feed lists each payment once, oldest change first.
  Json all = FeedPage(api, "", 100);
  ASSERT_EQ(all["data"].size(), 3u);
  EXPECT_EQ(all["data"][2]["id"], payments[0]);
  EXPECT_EQ(api.Get("/v1/payments?limit=0").status, 400);
  EXPECT_EQ(api.Get("/v1/payments?limit=101").status, 400);
  EXPECT_EQ(api.Get("/v1/payments?after=abc").status, 400);
}

// BP-8: a payment made again through the API (a prepayment applied); never
// below 0, and deleting it leaves the outstanding to the caller.
TEST_F(PaymentsTest, ApiPaymentsLowerToZeroAtMostAndDeletingKeepsTheOutstanding) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  Json invoice = api.CreateInvoice(customer, "i1", 1000);
  std::string invoice_id = invoice.value("id", "");
  ApiAnswer created = api.Post("/v1/payments", {{"customer_id", customer},
                                                {"invoice_id", invoice_id},
                                                {"amount", 1500},
                                                {"currency", "CHF"},
                                                {"external_id", "pp-1"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body["origin"], "api");
  EXPECT_EQ(created.body["external_id"], "pp-1");
  EXPECT_EQ(created.body["allocations"][0]["amount"], 1500);
  EXPECT_EQ(api.GetInvoice(invoice_id)["outstanding"], 0);

  std::string payment_id = created.body["id"];
  ApiAnswer deleted = api.Delete("/v1/payments/" + payment_id);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["status"], "deleted");
  EXPECT_EQ(api.GetInvoice(invoice_id)["outstanding"], 0);
  EXPECT_EQ(api.Delete("/v1/payments/" + payment_id).status, 404);
  Json feed = FeedPage(api, "", 100);
  ASSERT_EQ(feed["data"].size(), 1u);
  EXPECT_EQ(feed["data"][0]["status"], "deleted");
  // A deleted payment cannot be reversed.
  EXPECT_EQ(
      sandbox_.Call("POST", "/sandbox/reverse", Json{{"payment_id", payment_id}, {"reason", "refund"}}.dump()).status,
      409);

  // Payments through the API send no webhook.
  Json account = AccountState(sandbox_.State(), account_.account_id);
  EXPECT_EQ(account["deliveries"].size(), 0u);
  EXPECT_EQ(account["pending_webhooks"].size(), 0u);

  // Only a live invoice takes a payment.
  ASSERT_EQ(api.Delete("/v1/invoices/" + invoice_id).status, 200);
  ApiAnswer on_deleted = api.Post(
      "/v1/payments", {{"customer_id", customer}, {"invoice_id", invoice_id}, {"amount", 100}, {"currency", "CHF"}});
  EXPECT_EQ(on_deleted.status, 409);
  EXPECT_EQ(on_deleted.error_code(), "invalid_state");
}

}  // namespace
}  // namespace invoicehub::sandbox_test
