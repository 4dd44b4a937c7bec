// Idempotency-Key on every /v1 change (docs/billpay-contract.md "Basics"):
// the first completed answer is replayed, never re-executed. This is what
// lets Invoicehub repeat a call that got no answer (BP-3: a customer is
// created once, even under retries and concurrency).

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "tests/sandbox/sandbox_fixture.h"
#include "tests/support/concurrently.h"

namespace invoicehub::sandbox_test {
namespace {

using IdempotencyTest = SandboxTest;

// BP-3
TEST_F(IdempotencyTest, ARepeatReplaysTheFirstAnswerAndChangesNothing) {
  ApiClient api = Api();
  std::string key = NewIdempotencyKey();
  ApiAnswer first = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.replayed);
  // Even with another body: the key, not the body, names the call.
  ApiAnswer again = api.Send("POST", "/v1/customers", {{"external_id", "c2"}, {"name", "Bob"}}, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.body, first.body);
  Json customers = api.Get("/v1/customers").body["data"];
  ASSERT_EQ(customers.size(), 1u);
  EXPECT_EQ(customers[0]["external_id"], "c1");
}

TEST_F(IdempotencyTest, ClientErrorsAreStoredAndReplayedToo) {
  ApiClient api = Api();
  std::string key = NewIdempotencyKey();
  ApiAnswer refused = api.Send("POST", "/v1/customers", {{"name", "no external id"}}, key);
  ASSERT_EQ(refused.status, 400);
  EXPECT_EQ(refused.error_code(), "invalid_request");
  ApiAnswer again = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  EXPECT_EQ(again.status, 400);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(api.Get("/v1/customers").body["data"].size(), 0u);
}

TEST_F(IdempotencyTest, TheSameKeyOnAnotherMethodOrPathIs422) {
  ApiClient api = Api();
  std::string key = NewIdempotencyKey();
  std::string customer = api.CreateCustomer("c1");
  Json invoice = api.CreateInvoice(customer, "i1", 1000);
  std::string path = "/v1/invoices/" + invoice.value("id", "");
  ASSERT_EQ(api.Send("PUT", path, {{"outstanding", 500}}, key).status, 200);
  ApiAnswer other_method = api.Send("DELETE", path, nullptr, key);
  EXPECT_EQ(other_method.status, 422);
  EXPECT_EQ(other_method.error_code(), "idempotency_key_reused");
  ApiAnswer other_path = api.Send("POST", "/v1/customers", {{"external_id", "c2"}, {"name", "Bob"}}, key);
  EXPECT_EQ(other_path.status, 422);
  EXPECT_EQ(other_path.error_code(), "idempotency_key_reused");
  // Neither ran.
  EXPECT_EQ(api.GetInvoice(invoice.value("id", ""))["status"], "open");
  EXPECT_EQ(api.Get("/v1/customers?external_id=c2").body["data"].size(), 0u);
}

TEST_F(IdempotencyTest, AChangeWithoutKeyIs422) {
  ApiAnswer answer = Api().Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, "");
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(answer.error_code(), "missing_idempotency_key");
  EXPECT_EQ(Api().Get("/v1/customers").body["data"].size(), 0u);
}

TEST_F(IdempotencyTest, KeysOfOneAccountDoNotReplayForAnother) {
  testing::SandboxAccount other = sandbox_.CreateAccount("globex");
  std::string key = NewIdempotencyKey();
  ApiAnswer mine = Api().Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  ApiAnswer theirs = Api(other).Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  ASSERT_EQ(mine.status, 201);
  ASSERT_EQ(theirs.status, 201);
  EXPECT_FALSE(theirs.replayed);
  EXPECT_NE(theirs.body["id"], mine.body["id"]);
}

// BP-3: simultaneous repeats of one call run it once.
TEST_F(IdempotencyTest, SimultaneousRequestsWithOneKeyRunOnce) {
  constexpr int kCallers = 8;
  ApiClient api = Api();
  std::string key = NewIdempotencyKey();
  std::mutex mutex;
  std::vector<ApiAnswer> answers;
  testing::RunConcurrently(kCallers, [&](int i) {
    // Different bodies: were two to run, two customers would exist.
    ApiAnswer answer =
        api.Send("POST", "/v1/customers", {{"external_id", "c" + std::to_string(i)}, {"name", "Caller"}}, key);
    std::lock_guard lock(mutex);
    answers.push_back(answer);
  });
  std::set<std::string> ids;
  int replays = 0;
  for (const ApiAnswer& answer : answers) {
    EXPECT_EQ(answer.status, 201) << answer.body;
    ids.insert(answer.body.value("id", ""));
    replays += answer.replayed ? 1 : 0;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(replays, kCallers - 1);
  EXPECT_EQ(api.Get("/v1/customers").body["data"].size(), 1u);
}

}  // namespace
}  // namespace invoicehub::sandbox_test
