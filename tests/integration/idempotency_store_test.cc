// The idempotency store against a real PostgreSQL (DESIGN: mutating RPCs
// accept a client request_id for idempotent retry): the first answer to a
// request_id is kept byte for byte in the transaction of the change it
// made, and a retry — also one racing the first attempt — gets it back.

#include "storage/idempotency_store.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <future>
#include <latch>
#include <optional>
#include <string>
#include <thread>

#include "server/domain/field_errors.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration {
namespace {

using Claim = absl::StatusOr<std::optional<std::string>>;

// Bytes a serialized protobuf may hold: NUL, invalid UTF-8, high bytes.
const std::string kResponse("resp\0onse\xff\xfe\x80\xc3(\x00end", 16);

storage::RequestKey Key(const std::string& request_id = "req-1",
                        const std::string& method = "/invoicehub.v1.CustomerService/CreateCustomer",
                        const std::string& sha256 = "aaaa") {
  return storage::RequestKey{.scope_id = 42, .api_key_id = 7, .request_id = request_id, .method = method, .request_sha256 = sha256};
}

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  Claim ClaimIn(const storage::RequestKey& key) {
    return db_.Run([&](storage::Transaction& tx) { return storage::ClaimRequest(tx, key, At(2024, 5, 1)); });
  }

  // Claims `key` and saves `response` in one committed transaction.
  void ClaimAndSave(const storage::RequestKey& key, const std::string& response) {
    absl::Status status = db_.RunStatus([&](storage::Transaction& tx) {
      Claim claim = storage::ClaimRequest(tx, key, At(2024, 5, 1));
      if (!claim.ok()) return claim.status();
      EXPECT_FALSE(claim->has_value());
      storage::SaveResponse(tx, key, response);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  MigratedDatabase db_{/*pool_size=*/3};
};

// Requirement: a new request_id is claimed (nullopt: go on and do the work).
TEST_F(IdempotencyStoreTest, NewRequestIsClaimed) {
  Claim claim = ClaimIn(Key());
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(claim->has_value());
}

// Requirement: a retry after commit gets the first response byte for byte (NUL, non-UTF-8).
TEST_F(IdempotencyStoreTest, RetryAfterCommitGetsStoredBytesExactly) {
  ASSERT_EQ(kResponse.size(), 16u);
  ClaimAndSave(Key(), kResponse);
  Claim retry = ClaimIn(Key());
  ASSERT_TRUE(retry.ok()) << retry.status();
  ASSERT_TRUE(retry->has_value());
  EXPECT_EQ(**retry, kResponse);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM idempotent_requests"), "1");
}

// Requirement: an empty stored response is still a stored response.
TEST_F(IdempotencyStoreTest, EmptyResponseRoundTrips) {
  ClaimAndSave(Key(), "");
  Claim retry = ClaimIn(Key());
  ASSERT_TRUE(retry.ok()) << retry.status();
  ASSERT_TRUE(retry->has_value());
  EXPECT_EQ(**retry, "");
}

// Requirement: a request_id reused for another method is INVALID_ARGUMENT on request_id.
TEST_F(IdempotencyStoreTest, SameRequestIdForDifferentMethodIsInvalidArgument) {
  ClaimAndSave(Key(), kResponse);
  Claim other = ClaimIn(Key("req-1", "/invoicehub.v1.InvoiceService/CreateInvoice", "aaaa"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument) << other.status();
  ASSERT_EQ(domain::FieldViolationsOf(other.status()).size(), 1u);
  EXPECT_EQ(domain::FieldViolationsOf(other.status())[0].field, "request_id");
}

// Requirement: a request_id reused for a different request is INVALID_ARGUMENT on request_id.
TEST_F(IdempotencyStoreTest, SameRequestIdForDifferentRequestIsInvalidArgument) {
  ClaimAndSave(Key(), kResponse);
  Claim other = ClaimIn(Key("req-1", "/invoicehub.v1.CustomerService/CreateCustomer", "bbbb"));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument) << other.status();
  ASSERT_EQ(domain::FieldViolationsOf(other.status()).size(), 1u);
  EXPECT_EQ(domain::FieldViolationsOf(other.status())[0].field, "request_id");
  // The stored answer is untouched.
  Claim retry = ClaimIn(Key());
  ASSERT_TRUE(retry.ok() && retry->has_value()) << retry.status();
  EXPECT_EQ(**retry, kResponse);
}

// Tenancy: request ids are per caller; the same id in another scope is new.
TEST_F(IdempotencyStoreTest, SameRequestIdInAnotherScopeIsNew) {
  ClaimAndSave(Key(), kResponse);
  storage::RequestKey other_scope = Key();
  other_scope.scope_id = 43;
  Claim claim = ClaimIn(other_scope);
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_FALSE(claim->has_value());
}

// Requirement: a claim whose transaction rolled back leaves no trace; the retry does the work.
TEST_F(IdempotencyStoreTest, ClaimOfRolledBackTransactionLeavesNoTrace) {
  absl::Status failed = db_.RunStatus([&](storage::Transaction& tx) {
    Claim claim = storage::ClaimRequest(tx, Key(), At(2024, 5, 1));
    if (!claim.ok()) return claim.status();
    EXPECT_FALSE(claim->has_value());
    storage::SaveResponse(tx, Key(), kResponse);
    return absl::AbortedError("the change failed");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM idempotent_requests"), "0");

  Claim again = ClaimIn(Key());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->has_value());
}

// Two transactions claim the same key at once. The second must block on the
// first (observed through pg_locks, not a timer) and, when the first ends,
// see its outcome: the stored response after a commit, a fresh claim after
// a rollback.
class ConcurrentClaimTest : public IdempotencyStoreTest {
 protected:
  struct Outcome {
    absl::Status first = absl::UnknownError("not run");
    Claim second = absl::UnknownError("not run");
    bool second_blocked = false;
  };

  Outcome Race(bool first_commits) {
    Outcome outcome;
    std::latch started(2);
    std::promise<void> first_claimed;
    std::promise<long long> second_backend;
    std::promise<void> release_first;
    std::shared_future<void> release = release_first.get_future().share();

    std::thread first([&] {
      started.arrive_and_wait();
      bool signalled = false;
      outcome.first = db_.RunStatus([&](storage::Transaction& tx) {
        Claim claim = storage::ClaimRequest(tx, Key(), At(2024, 5, 1));
        first_claimed.set_value();
        signalled = true;
        if (!claim.ok()) return claim.status();
        if (claim->has_value()) return absl::InternalError("first claim found a stored response");
        release.wait();  // hold the key until the main thread saw the second one wait
        storage::SaveResponse(tx, Key(), kResponse);
        return first_commits ? absl::OkStatus() : absl::AbortedError("first attempt failed");
      });
      if (!signalled) first_claimed.set_value();  // failed early: do not leave the second waiting
    });
    std::thread second([&] {
      started.arrive_and_wait();
      first_claimed.get_future().wait();
      bool signalled = false;
      outcome.second = db_.Run([&](storage::Transaction& tx) -> Claim {
        int pid = 0;
        tx.session() << "SELECT pg_backend_pid()", soci::into(pid);
        second_backend.set_value(pid);
        signalled = true;
        return storage::ClaimRequest(tx, Key(), At(2024, 5, 1));
      });
      if (!signalled) second_backend.set_value(-1);
    });

    const long long backend = second_backend.get_future().get();
    const std::string pid = std::to_string(backend);
    outcome.second_blocked =
        backend > 0 && WaitUntil([&] {
          return db_.Scalar("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + pid) != "0";
        });
    release_first.set_value();  // also when the wait failed, so the threads end
    first.join();
    second.join();
    return outcome;
  }
};

// Requirement: a retry racing the first attempt waits for it and returns its response.
TEST_F(ConcurrentClaimTest, SecondClaimWaitsForFirstCommitThenGetsItsResponse) {
  Outcome outcome = Race(/*first_commits=*/true);
  EXPECT_TRUE(outcome.second_blocked) << "the second claim did not wait for the first transaction";
  ASSERT_TRUE(outcome.first.ok()) << outcome.first;
  ASSERT_TRUE(outcome.second.ok()) << outcome.second.status();
  ASSERT_TRUE(outcome.second->has_value()) << "the second claim did not see the committed response";
  EXPECT_EQ(**outcome.second, kResponse);
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM idempotent_requests"), "1");
}

// Requirement: a retry racing a first attempt that fails waits, then does the work itself.
TEST_F(ConcurrentClaimTest, SecondClaimWaitsForFirstRollbackThenClaimsAnew) {
  Outcome outcome = Race(/*first_commits=*/false);
  EXPECT_TRUE(outcome.second_blocked) << "the second claim did not wait for the first transaction";
  EXPECT_EQ(outcome.first.code(), absl::StatusCode::kAborted) << outcome.first;
  ASSERT_TRUE(outcome.second.ok()) << outcome.second.status();
  EXPECT_FALSE(outcome.second->has_value());
  // The second transaction committed its own (unanswered) claim.
  EXPECT_EQ(db_.Scalar("SELECT count(*) FROM idempotent_requests"), "1");
}

}  // namespace
}  // namespace invoicehub::integration
