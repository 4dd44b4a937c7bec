// Bearer keys and account isolation (docs/billpay-contract.md "Basics").

#include <gtest/gtest.h>

#include "tests/sandbox/sandbox_fixture.h"

namespace invoicehub::sandbox_test {
namespace {

using AuthIsolationTest = SandboxTest;

TEST_F(AuthIsolationTest, RefusesMissingAndUnknownKeys) {
  ApiClient anonymous(sandbox_.port(), "");
  ApiClient stranger(sandbox_.port(), "sk_test_not_a_key");
  EXPECT_EQ(anonymous.Get("/v1/customers").status, 401);
  ApiAnswer refused = stranger.Post("/v1/customers", {{"external_id", "c1"}, {"name", "Ann"}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.error_code(), "unauthorized");
  // Nothing was created by the refused call.
  EXPECT_EQ(Api().Get("/v1/customers").body["data"].size(), 0u);
}

// BP-6: one company's bill-pay objects and URLs are invisible to another.
TEST_F(AuthIsolationTest, AnotherAccountsObjectsAreNotFound) {
  testing::SandboxAccount other = sandbox_.CreateAccount("globex");
  ApiClient mine = Api();
  ApiClient theirs = Api(other);
  std::string customer = mine.CreateCustomer("c1");
  Json invoice = mine.CreateInvoice(customer, "i1", 5000);
  std::string invoice_id = invoice.value("id", "");
  ASSERT_FALSE(invoice_id.empty());

  EXPECT_EQ(theirs.Get("/v1/invoices/" + invoice_id).status, 404);
  EXPECT_EQ(theirs.Get("/v1/customers/" + customer).status, 404);
  EXPECT_EQ(theirs.Put("/v1/invoices/" + invoice_id, {{"outstanding", 1}}).status, 404);
  EXPECT_EQ(theirs.Delete("/v1/invoices/" + invoice_id).status, 404);
  EXPECT_EQ(theirs.Get("/v1/invoices?external_id=i1").body["data"].size(), 0u);
  EXPECT_EQ(theirs.Get("/v1/customers?external_id=c1").body["data"].size(), 0u);
  // Another account's customer cannot carry an invoice here.
  ApiAnswer borrowed = theirs.Post("/v1/invoices", {{"customer_id", customer},
                                                    {"external_id", "i1"},
                                                    {"number", "X-1"},
                                                    {"invoice_date", "2025-03-01"},
                                                    {"due_date", "2025-03-31"},
                                                    {"currency", "CHF"},
                                                    {"amount", 100},
                                                    {"outstanding", 100}});
  EXPECT_EQ(borrowed.status, 404) << borrowed.body;
  // External ids are per account: the same one is free in the other account,
  // and its Pay Now URL differs.
  std::string their_customer = theirs.CreateCustomer("c1");
  EXPECT_NE(their_customer, customer);
  Json their_invoice = theirs.CreateInvoice(their_customer, "i1", 5000);
  EXPECT_NE(their_invoice.value("pay_now_url", ""), invoice.value("pay_now_url", ""));
  // Mine is untouched.
  Json after = mine.GetInvoice(invoice_id);
  EXPECT_EQ(after["outstanding"], 5000);
  EXPECT_EQ(after["status"], "open");
}

TEST_F(AuthIsolationTest, AnotherAccountsPaymentsAreNotListedNorDeletable) {
  testing::SandboxAccount other = sandbox_.CreateAccount("globex");
  std::string customer = Api().CreateCustomer("c1");
  Json invoice = Api().CreateInvoice(customer, "i1", 5000);
  Json payment = sandbox_.Pay({{invoice.value("pay_now_url", ""), 1000}});
  std::string payment_id = payment.value("id", "");
  ASSERT_FALSE(payment_id.empty());
  EXPECT_EQ(Api(other).Get("/v1/payments").body["data"].size(), 0u);
  EXPECT_EQ(Api(other).Delete("/v1/payments/" + payment_id).status, 404);
  EXPECT_EQ(Api().Get("/v1/payments").body["data"].size(), 1u);
}

}  // namespace
}  // namespace invoicehub::sandbox_test
