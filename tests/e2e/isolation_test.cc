// BP-6 / DESIGN conventions: companies never see each other's data. Another
// company's ids answer NOT_FOUND exactly like ids that do not exist, lists
// hold only the caller's records, and nothing can be written across.

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;

constexpr char kMissingId[] = "987654321";

class IsolationTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    a_ = NewCompany(Unique("Company A"));
    b_ = NewCompany(Unique("Company B"));
    a_key_ = NewKeyResponse(a_.admin_key_secret(), v1::ROLE_CLERK);
    a_customer_ = NewCustomer(a_.admin_key_secret(), "Shared Name AG", "ap@shared.example");
    a_invoice_ = NewInvoice(a_.admin_key_secret(), a_customer_.id());
    b_customer_ = NewCustomer(b_.admin_key_secret(), "Shared Name AG", "ap@shared.example");
    b_invoice_ = NewInvoice(b_.admin_key_secret(), b_customer_.id());
  }

  const std::string& b_key() const { return b_.admin_key_secret(); }

  // The NOT_FOUND of `id` must be that of a missing id: same code, same
  // message but for the id itself, same (absent) details.
  void ExpectSameAsMissing(const std::string& what, const std::function<grpc::Status(const std::string&)>& call,
                           const std::string& foreign_id) {
    SCOPED_TRACE(what);
    grpc::Status foreign = call(foreign_id);
    grpc::Status missing = call(kMissingId);
    EXPECT_EQ(missing.error_code(), StatusCode::NOT_FOUND) << StatusText(missing);
    EXPECT_EQ(foreign.error_code(), StatusCode::NOT_FOUND) << StatusText(foreign);
    EXPECT_EQ(ReplaceAll(foreign.error_message(), foreign_id, "<id>"),
              ReplaceAll(missing.error_message(), kMissingId, "<id>"));
    EXPECT_EQ(foreign.error_details(), missing.error_details());
  }

  v1::CreateCompanyResponse a_, b_;
  v1::CreateApiKeyResponse a_key_;
  v1::Customer a_customer_, b_customer_;
  v1::Invoice a_invoice_, b_invoice_;
};

// BP-6: B reading A's customer, invoice and company gets NOT_FOUND, just as for
// ids that exist nowhere.
TEST_F(IsolationTest, ForeignRecordsReadAsNotFound) {
  ExpectSameAsMissing(
      "GetCustomer",
      [&](const std::string& id) {
        v1::GetCustomerRequest request;
        request.set_customer_id(id);
        v1::Customer response;
        return api().customers().GetCustomer(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_customer_.id());
  ExpectSameAsMissing(
      "GetInvoice",
      [&](const std::string& id) {
        v1::GetInvoiceRequest request;
        request.set_invoice_id(id);
        v1::Invoice response;
        return api().invoices().GetInvoice(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_invoice_.id());
  ExpectSameAsMissing(
      "GetCompany",
      [&](const std::string& id) {
        v1::GetCompanyRequest request;
        request.set_company_id(id);
        v1::Company response;
        return api().admin().GetCompany(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_.company().id());
  ExpectSameAsMissing(
      "ListApiKeys",
      [&](const std::string& id) {
        v1::ListApiKeysRequest request;
        request.set_company_id(id);
        v1::ListApiKeysResponse response;
        return api().admin().ListApiKeys(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_.company().id());
}

// BP-6: B cannot change A's records (customer, invoice, company, api key):
// NOT_FOUND like a missing id, and A's records stay as they were.
TEST_F(IsolationTest, ForeignRecordsCannotBeChanged) {
  ExpectSameAsMissing(
      "UpdateCustomer",
      [&](const std::string& id) {
        v1::UpdateCustomerRequest request;
        *request.mutable_customer() = a_customer_;
        request.mutable_customer()->set_id(id);
        request.mutable_customer()->set_display_name("Taken over");
        request.mutable_update_mask()->add_paths("display_name");
        v1::Customer response;
        return api().customers().UpdateCustomer(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_customer_.id());
  ExpectSameAsMissing(
      "UpdateInvoice",
      [&](const std::string& id) {
        v1::UpdateInvoiceRequest request;
        request.set_invoice_id(id);
        request.set_version(a_invoice_.version());
        request.set_po_number("taken over");
        request.mutable_update_mask()->add_paths("po_number");
        v1::Invoice response;
        return api().invoices().UpdateInvoice(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_invoice_.id());
  ExpectSameAsMissing(
      "UpdateCompany",
      [&](const std::string& id) {
        v1::UpdateCompanyRequest request;
        *request.mutable_company() = a_.company();
        request.mutable_company()->set_id(id);
        request.mutable_company()->set_display_name("Taken over");
        request.mutable_update_mask()->add_paths("display_name");
        v1::Company response;
        return api().admin().UpdateCompany(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_.company().id());
  ExpectSameAsMissing(
      "CreateApiKey",
      [&](const std::string& id) {
        v1::CreateApiKeyRequest request;
        request.set_company_id(id);
        request.set_display_name("backdoor");
        request.set_role(v1::ROLE_ADMIN);
        v1::CreateApiKeyResponse response;
        return api().admin().CreateApiKey(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_.company().id());
  // A's key id, in B's own company (company_id empty) and naming A.
  ExpectSameAsMissing(
      "RevokeApiKey",
      [&](const std::string& id) {
        v1::RevokeApiKeyRequest request;
        request.set_api_key_id(id);
        v1::ApiKey response;
        return api().admin().RevokeApiKey(ApiClient::Context(b_key()).get(), request, &response);
      },
      a_key_.api_key().id());

  const std::string& a = a_.company().id();
  EXPECT_EQ(
      Sql("SELECT display_name FROM customers WHERE company_id = " + a + " AND customer_id = " + a_customer_.id()),
      "Shared Name AG");
  EXPECT_EQ(Count("SELECT version FROM invoices WHERE company_id = " + a + " AND invoice_id = " + a_invoice_.id()), 1);
  EXPECT_EQ(Count("SELECT version FROM companies WHERE company_id = " + a), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys WHERE company_id = " + a), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys WHERE company_id = " + a + " AND revoke_time IS NOT NULL"), 0);
  // A's clerk key still works.
  v1::ListCustomersResponse list;
  EXPECT_TRUE(api()
                  .customers()
                  .ListCustomers(ApiClient::Context(a_key_.secret()).get(), v1::ListCustomersRequest(), &list)
                  .ok());
}

// BP-6: B's lists hold only B's records, whatever filter names A's data.
TEST_F(IsolationTest, ListsHoldOnlyOwnRecords) {
  v1::ListCustomersRequest customers_request;
  customers_request.set_page_size(500);
  v1::ListCustomersResponse customers;
  ASSERT_TRUE(api().customers().ListCustomers(ApiClient::Context(b_key()).get(), customers_request, &customers).ok());
  ASSERT_EQ(customers.customers_size(), 1);
  EXPECT_EQ(customers.customers(0).id(), b_customer_.id());

  // Filters matching A's customer exactly still show only B's.
  customers_request.set_name_contains("Shared Name");
  customers_request.set_email("ap@shared.example");
  ASSERT_TRUE(api().customers().ListCustomers(ApiClient::Context(b_key()).get(), customers_request, &customers).ok());
  ASSERT_EQ(customers.customers_size(), 1);
  EXPECT_EQ(customers.customers(0).id(), b_customer_.id());

  v1::ListInvoicesRequest invoices_request;
  invoices_request.set_page_size(500);
  v1::ListInvoicesResponse invoices;
  ASSERT_TRUE(api().invoices().ListInvoices(ApiClient::Context(b_key()).get(), invoices_request, &invoices).ok());
  ASSERT_EQ(invoices.invoices_size(), 1);
  EXPECT_EQ(invoices.invoices(0).id(), b_invoice_.id());

  invoices_request.set_customer_id(a_customer_.id());
  ASSERT_TRUE(api().invoices().ListInvoices(ApiClient::Context(b_key()).get(), invoices_request, &invoices).ok());
  EXPECT_EQ(invoices.invoices_size(), 0);

  v1::ListApiKeysResponse keys;
  ASSERT_TRUE(api().admin().ListApiKeys(ApiClient::Context(b_key()).get(), v1::ListApiKeysRequest(), &keys).ok());
  ASSERT_EQ(keys.api_keys_size(), 1);
  EXPECT_EQ(keys.api_keys(0).company_id(), b_.company().id());
}

// BP-6: B cannot bill A's customer. The invoice is refused as for a customer
// that does not exist (INVALID_ARGUMENT on customer_id "no such customer"),
// and nothing is written: no invoice, no line, no audit entry, no stored
// request.
TEST_F(IsolationTest, CannotInvoiceForeignCustomer) {
  auto counts = [&] {
    return std::vector<int64_t>{Count("SELECT count(*) FROM invoices"), Count("SELECT count(*) FROM invoice_lines"),
                                Count("SELECT count(*) FROM audit_log"),
                                Count("SELECT count(*) FROM idempotent_requests")};
  };
  std::vector<int64_t> before = counts();
  for (const std::string& customer_id : {a_customer_.id(), std::string(kMissingId)}) {
    SCOPED_TRACE(customer_id);
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_id);
    request.set_request_id(Unique("req"));
    *request.add_lines() = Line("Consulting", "1", 10000);
    v1::Invoice response;
    grpc::Status status = api().invoices().CreateInvoice(ApiClient::Context(b_key()).get(), request, &response);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(ViolationFields(status), ::testing::ElementsAre("customer_id"));
    EXPECT_EQ(ViolationDescription(status, "customer_id"), "no such customer");
  }
  EXPECT_EQ(counts(), before);
}

}  // namespace
}  // namespace invoicehub::e2e
