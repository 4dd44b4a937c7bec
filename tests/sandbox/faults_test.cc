// Injected faults (docs/billpay-contract.md "Sandbox only"): what a client
// of bill-pay must survive. An injected error changes nothing; an injected
// hang comes after the change is stored, so only the Idempotency-Key tells
// the client what happened (Kill Bill's UNDEFINED: re-ask, never guess).

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "tests/sandbox/sandbox_fixture.h"

namespace invoicehub::sandbox_test {
namespace {

using FaultsTest = SandboxTest;

TEST(FaultFlagsTest, ErrorRateOneAnswers503BeforeChangingAnything) {
  testing::SandboxProcess sandbox({"--error_rate=1", "--seed=7"});
  ASSERT_TRUE(sandbox.ready());
  testing::SandboxAccount account = sandbox.CreateAccount("acme");
  ApiClient api(sandbox.port(), account.api_key);
  std::string key = NewIdempotencyKey();
  ApiAnswer failed = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.error_code(), "unavailable");
  EXPECT_EQ(api.Get("/v1/customers").status, 503);

  ASSERT_TRUE(sandbox.SetFaults({{"error_rate", 0}}));
  EXPECT_EQ(api.Get("/v1/customers").body["data"].size(), 0u);
  EXPECT_EQ(AccountState(sandbox.State(), account.account_id)["customers"].size(), 0u);
  // A 5xx is not stored: the same key now runs the call for real.
  ApiAnswer retried = api.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  EXPECT_EQ(retried.status, 201);
  EXPECT_FALSE(retried.replayed);
}

TEST_F(FaultsTest, AHangAfterCommitHidesTheAnswerButTheKeyTellsIt) {
  ASSERT_TRUE(sandbox_.SetFaults({{"timeout_after_commit_rate", 1}, {"hang_ms", 2000}}));
  ApiClient impatient = Api();
  impatient.set_read_timeout(std::chrono::milliseconds(500));
  std::string key = NewIdempotencyKey();
  ApiAnswer lost = impatient.Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  EXPECT_EQ(lost.status, -1) << "an answer came: " << lost.body;

  // The change happened ...
  Json customers = Api().Get("/v1/customers?external_id=c1").body["data"];
  ASSERT_EQ(customers.size(), 1u);
  // ... and the repeat with the same key says so, without a second customer.
  ASSERT_TRUE(sandbox_.SetFaults({{"timeout_after_commit_rate", 0}}));
  ApiAnswer repeated = Api().Send("POST", "/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}}, key);
  EXPECT_EQ(repeated.status, 201);
  EXPECT_TRUE(repeated.replayed);
  EXPECT_EQ(repeated.body["id"], customers[0]["id"]);
  EXPECT_EQ(Api().Get("/v1/customers").body["data"].size(), 1u);
}

TEST_F(FaultsTest, FaultsAreReadAndChangedField_by_field) {
  Json defaults = sandbox_.Call("GET", "/sandbox/faults").Json();
  EXPECT_EQ(defaults["error_rate"], 0.0);
  EXPECT_EQ(defaults["hang_ms"], 3000);
  EXPECT_EQ(defaults["webhook_max_attempts"], 8);

  ASSERT_TRUE(sandbox_.SetFaults({{"latency_ms", 5}, {"webhook_duplicate_rate", 0.5}}));
  Json changed = sandbox_.Call("GET", "/sandbox/faults").Json();
  EXPECT_EQ(changed["latency_ms"], 5);
  EXPECT_EQ(changed["webhook_duplicate_rate"], 0.5);
  EXPECT_EQ(changed["hang_ms"], 3000);

  // One bad value refuses the whole change.
  testing::SandboxAnswer refused =
      sandbox_.Call("PUT", "/sandbox/faults", Json{{"error_rate", 1.5}, {"latency_ms", 7}}.dump());
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(sandbox_.Call("GET", "/sandbox/faults").Json()["latency_ms"], 5);
  EXPECT_EQ(sandbox_.State()["faults"]["latency_ms"], 5);
}

void StartWithAnErrorRateOfTwo() {
  testing::SandboxProcess sandbox({"--error_rate=2"});
  EXPECT_FALSE(sandbox.ready());
}

TEST(FaultFlagsTest, BadFlagsStopTheStart) {
  // The helper records a failure when the sandbox does not start; expect it.
  EXPECT_NONFATAL_FAILURE(StartWithAnErrorRateOfTwo(), "exited before it was ready");
}

}  // namespace
}  // namespace invoicehub::sandbox_test
