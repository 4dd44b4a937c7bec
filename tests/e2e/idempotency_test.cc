// DESIGN conventions: mutating RPCs accept a client `request_id`. A retry with
// the same request_id gets the identical first answer and changes nothing
// more; the same request_id on a different request is refused
// (INVALID_ARGUMENT on request_id). Concurrent retries behave like one call.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/concurrently.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;
using invoicehub::testing::RunConcurrently;
using ::testing::ElementsAre;

class IdempotencyTest : public CompanyWithClerkTest {
 protected:
  v1::CreateInvoiceRequest InvoiceRequest(const std::string& request_id) const {
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_.id());
    request.set_request_id(request_id);
    *request.mutable_issue_date() = MakeDate(2024, 5, 2);
    request.set_po_number("PO-77");
    *request.add_lines() = Line("Consulting", "1.5", 15000, "8.1");
    *request.add_lines() = Line("Travel", "1", 4990);
    return request;
  }

  grpc::Status CreateInvoice(const v1::CreateInvoiceRequest& request, v1::Invoice* response) {
    return api().invoices().CreateInvoice(ApiClient::Context(clerk_).get(), request, response);
  }
};

// request_id: a retried CreateCustomer returns the first answer (same id,
// same timestamps) and exactly one customer exists.
TEST_F(IdempotencyTest, RetriedCreateCustomerReturnsFirstAnswer) {
  v1::CreateCustomerRequest request;
  request.set_request_id(Unique("req"));
  request.mutable_customer()->set_display_name("Retry AG");
  request.mutable_customer()->set_email("ap@retry.example");
  v1::Customer first, second;
  ASSERT_TRUE(api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &first).ok());
  ASSERT_TRUE(api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &second).ok());
  EXPECT_TRUE(SameMessage(first, second)) << first.DebugString() << second.DebugString();
  EXPECT_EQ(Count("SELECT count(*) FROM customers" + Where() + " AND display_name = 'Retry AG'"), 1);
  EXPECT_EQ(
      Count("SELECT count(*) FROM audit_log" + Where() + " AND entity_type = 'customer' AND entity_id = " + first.id()),
      1);
}

// request_id: a retried CreateInvoice returns the first answer and exactly one
// invoice with its lines exists.
TEST_F(IdempotencyTest, RetriedCreateInvoiceReturnsFirstAnswer) {
  v1::CreateInvoiceRequest request = InvoiceRequest(Unique("req"));
  v1::Invoice first, second;
  ASSERT_TRUE(CreateInvoice(request, &first).ok());
  ASSERT_TRUE(CreateInvoice(request, &second).ok());
  EXPECT_TRUE(SameMessage(first, second)) << first.DebugString() << second.DebugString();
  EXPECT_EQ(Count("SELECT count(*) FROM invoices" + Where()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM invoice_lines" + Where()), 2);
}

// request_id: a retried CreateCompany (operator) returns the first answer and
// makes one company with one key. The one difference: the admin key secret
// is shown only once, so the retry answers without it (admin_service.proto:
// only its hash is stored), and the stored answer does not hold it.
TEST_F(IdempotencyTest, RetriedCreateCompanyReturnsFirstAnswerWithoutSecret) {
  std::string name = Unique("Retried Company");
  v1::CreateCompanyRequest request;
  request.set_request_id(Unique("req"));
  request.mutable_company()->set_display_name(name);
  request.mutable_company()->set_default_currency_code("EUR");
  v1::CreateCompanyResponse first, second;
  ASSERT_TRUE(api().admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &first).ok());
  ASSERT_TRUE(api().admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &second).ok());
  ASSERT_FALSE(first.admin_key_secret().empty());
  EXPECT_EQ(second.admin_key_secret(), "");
  v1::CreateCompanyResponse first_without_secret = first;
  first_without_secret.clear_admin_key_secret();
  EXPECT_TRUE(SameMessage(first_without_secret, second)) << first.DebugString() << second.DebugString();
  EXPECT_EQ(Count("SELECT count(*) FROM companies WHERE display_name = '" + name + "'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys WHERE company_id = " + first.company().id()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM idempotent_requests WHERE position(convert_to('" + first.admin_key_secret() +
                  "', 'UTF8') in decode(response, 'base64')) > 0"),
            0);
  // The key of the first answer works.
  v1::Company company;
  EXPECT_TRUE(api()
                  .admin()
                  .GetCompany(ApiClient::Context(first.admin_key_secret()).get(), v1::GetCompanyRequest(), &company)
                  .ok());
}

// request_id: a retried CreateApiKey returns the same key, once, without its
// secret; the secret is not kept in the stored answer.
TEST_F(IdempotencyTest, RetriedCreateApiKeyMakesOneKeyAndShowsSecretOnce) {
  v1::CreateApiKeyRequest request;
  request.set_request_id(Unique("req"));
  request.set_display_name("retried key");
  request.set_role(v1::ROLE_VIEWER);
  const std::string& admin = company_.admin_key_secret();
  v1::CreateApiKeyResponse first, second;
  ASSERT_TRUE(api().admin().CreateApiKey(ApiClient::Context(admin).get(), request, &first).ok());
  ASSERT_TRUE(api().admin().CreateApiKey(ApiClient::Context(admin).get(), request, &second).ok());
  ASSERT_FALSE(first.secret().empty());
  EXPECT_EQ(second.secret(), "");
  EXPECT_TRUE(SameMessage(first.api_key(), second.api_key()));
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys" + Where() + " AND display_name = 'retried key'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM idempotent_requests WHERE position(convert_to('" + first.secret() +
                  "', 'UTF8') in decode(response, 'base64')) > 0"),
            0);
}

// request_id: a retried UpdateInvoice returns the first answer; the version
// is bumped once, so the retry is not refused as stale.
TEST_F(IdempotencyTest, RetriedUpdateInvoiceAppliesOnce) {
  v1::Invoice invoice = NewInvoice(clerk_, customer_.id());
  v1::UpdateInvoiceRequest request;
  request.set_request_id(Unique("req"));
  request.set_invoice_id(invoice.id());
  request.set_version(invoice.version());
  request.set_po_number("PO-2");
  request.mutable_update_mask()->add_paths("po_number");
  v1::Invoice first, second;
  ASSERT_TRUE(api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), request, &first).ok());
  grpc::Status retry = api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), request, &second);
  ASSERT_TRUE(retry.ok()) << StatusText(retry);
  EXPECT_TRUE(SameMessage(first, second));
  EXPECT_EQ(first.version(), invoice.version() + 1);
  EXPECT_EQ(Count("SELECT version FROM invoices" + Where() + " AND invoice_id = " + invoice.id()),
            invoice.version() + 1);
}

// request_id: the same request_id with a different body is refused with
// INVALID_ARGUMENT naming request_id, and nothing is written.
TEST_F(IdempotencyTest, SameRequestIdWithDifferentBodyIsRefused) {
  std::string request_id = Unique("req");
  v1::CreateInvoiceRequest request = InvoiceRequest(request_id);
  v1::Invoice first;
  ASSERT_TRUE(CreateInvoice(request, &first).ok());

  request.set_po_number("PO-78");
  v1::Invoice second;
  grpc::Status status = CreateInvoice(request, &second);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
  EXPECT_THAT(ViolationFields(status), ElementsAre("request_id"));

  // ...also when it is used for another method.
  v1::CreateCustomerRequest customer;
  customer.set_request_id(request_id);
  customer.mutable_customer()->set_display_name("Other AG");
  customer.mutable_customer()->set_email("ap@other.example");
  v1::Customer created;
  status = api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), customer, &created);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
  EXPECT_THAT(ViolationFields(status), ElementsAre("request_id"));

  EXPECT_EQ(Count("SELECT count(*) FROM invoices" + Where()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM customers" + Where()), 1);
  EXPECT_EQ(Sql("SELECT po_number FROM invoices" + Where()), "PO-77");
}

// request_id belongs to one API key: another key of the same company that
// happens to send the same request_id gets its own answer, never the first
// key's response, and its change is audited under its own key.
TEST_F(IdempotencyTest, RequestIdsAreScopedToTheKey) {
  v1::CreateCustomerRequest request;
  request.set_request_id(Unique("req"));
  request.mutable_customer()->set_display_name("Per Key AG");
  request.mutable_customer()->set_email("ap@perkey.example");
  v1::Customer by_clerk, by_admin;
  ASSERT_TRUE(api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &by_clerk).ok());
  ASSERT_TRUE(
      api().customers().CreateCustomer(ApiClient::Context(company_.admin_key_secret()).get(), request, &by_admin).ok());
  EXPECT_NE(by_clerk.id(), by_admin.id());
  EXPECT_EQ(Count("SELECT count(*) FROM customers" + Where() + " AND display_name = 'Per Key AG'"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log" + Where() + " AND entity_type = 'customer' AND entity_id = " +
                  by_admin.id() + " AND actor = 'api_key:" + company_.admin_key().id() + "'"),
            1);
}

// request_id is the caller's company's: another company may use the same one
// for its own request.
TEST_F(IdempotencyTest, RequestIdsAreScopedToTheCompany) {
  std::string request_id = Unique("req");
  v1::Invoice mine;
  ASSERT_TRUE(CreateInvoice(InvoiceRequest(request_id), &mine).ok());

  v1::CreateCompanyResponse other = NewCompany();
  v1::CreateCustomerRequest request;
  request.set_request_id(request_id);
  request.mutable_customer()->set_display_name("Other AG");
  request.mutable_customer()->set_email("ap@other.example");
  v1::Customer created;
  grpc::Status status =
      api().customers().CreateCustomer(ApiClient::Context(other.admin_key_secret()).get(), request, &created);
  EXPECT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(Count("SELECT count(*) FROM customers WHERE company_id = " + other.company().id()), 1);
}

// request_id under concurrency: 8 clients sending the same CreateInvoice at
// the same moment all get the same answer, and one invoice exists.
TEST_F(IdempotencyTest, ConcurrentRetriesCreateOneInvoice) {
  constexpr int kClients = 8;
  v1::CreateInvoiceRequest request = InvoiceRequest(Unique("req"));
  std::vector<v1::Invoice> responses(kClients);
  std::vector<grpc::Status> statuses(kClients);
  // Each thread has its own channel, so the calls really run side by side.
  std::vector<std::unique_ptr<ApiClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(std::make_unique<ApiClient>(server().process.grpc_address()));
  RunConcurrently(kClients, [&](int i) {
    statuses[i] = clients[i]->invoices().CreateInvoice(ApiClient::Context(clerk_).get(), request, &responses[i]);
  });

  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(statuses[i].ok()) << StatusText(statuses[i]);
    EXPECT_TRUE(SameMessage(responses[0], responses[i])) << responses[0].DebugString() << responses[i].DebugString();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM invoices" + Where()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM invoice_lines" + Where()), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM audit_log" + Where() + " AND entity_type = 'invoice'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM idempotent_requests WHERE request_id = '" + request.request_id() + "'"), 1);
}

}  // namespace
}  // namespace invoicehub::e2e
