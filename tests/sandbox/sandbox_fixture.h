#pragma once
// A fresh billpay-sandbox process (tests/support/sandbox_process.h) with one
// account, for the black-box tests of docs/billpay-contract.md.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/sandbox/api_client.h"
#include "tests/support/sandbox_process.h"

namespace invoicehub::sandbox_test {

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sandbox_.ready());
    account_ = sandbox_.CreateAccount("acme");
    ASSERT_FALSE(account_.api_key.empty());
  }

  ApiClient Api(const testing::SandboxAccount& account) const { return ApiClient(sandbox_.port(), account.api_key); }
  ApiClient Api() const { return Api(account_); }

  testing::SandboxProcess sandbox_;
  testing::SandboxAccount account_;
};

// The element of a JSON array whose "id" is `id`; null when none.
inline Json FindById(const Json& list, const std::string& id) {
  if (list.is_array())
    for (const Json& item : list)
      if (item.value("id", "") == id) return item;
  return nullptr;
}

// The account's part of GET /sandbox/state; null when absent.
inline Json AccountState(const Json& state, const std::string& account_id) {
  if (state.is_object() && state.contains("accounts"))
    for (const Json& account : state["accounts"])
      if (account.value("account_id", "") == account_id) return account;
  return nullptr;
}

// The account's state once it records at least `count` webhook delivery
// attempts (a receiver sees an attempt before the sandbox records its
// outcome), or after 10 s.
inline Json WaitForDeliveries(testing::SandboxProcess& sandbox, const std::string& account_id, size_t count) {
  Json account;
  for (int poll = 0; poll < 200; ++poll) {
    account = AccountState(sandbox.State(), account_id);
    if (account.is_object() && account["deliveries"].size() >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return account;
}

}  // namespace invoicehub::sandbox_test
