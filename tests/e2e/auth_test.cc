// Authentication (`authorization: Bearer <key>`) and the roles of API keys:
// ADMIN manages the company and its keys and does everything a CLERK does;
// CLERK writes customers and invoices; VIEWER reads; the operator key creates
// and looks after companies but does not keep their books.

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;

class AuthTest : public E2eTest {
 protected:
  // A company with one key of each role, a customer and a draft invoice.
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    company_ = NewCompany();
    admin_ = company_.admin_key_secret();
    clerk_ = NewKey(admin_, v1::ROLE_CLERK);
    viewer_ = NewKey(admin_, v1::ROLE_VIEWER);
    customer_ = NewCustomer(admin_);
    invoice_ = NewInvoice(admin_, customer_.id());
  }

  const std::string& company_id() const { return company_.company().id(); }

  // A call sending exactly `header` as the authorization metadata.
  grpc::Status ListCustomersWithHeader(const std::string& header) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", header);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    v1::ListCustomersResponse response;
    return api().customers().ListCustomers(&context, v1::ListCustomersRequest(), &response);
  }

  // One representative call of every kind a key may or may not make; each
  // returns its status.
  grpc::Status GetCompany(const std::string& key, const std::string& id = "") {
    v1::GetCompanyRequest request;
    request.set_company_id(id);
    v1::Company response;
    return api().admin().GetCompany(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status UpdateCompany(const std::string& key, const std::string& id = "") {
    v1::Company current;
    EXPECT_TRUE(api().admin().GetCompany(ApiClient::Context(admin_).get(), v1::GetCompanyRequest(), &current).ok());
    v1::UpdateCompanyRequest request;
    request.mutable_company()->set_id(id);
    request.mutable_company()->set_version(current.version());
    request.mutable_company()->set_display_name(Unique("Renamed"));
    request.mutable_update_mask()->add_paths("display_name");
    v1::Company response;
    return api().admin().UpdateCompany(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status CreateApiKey(const std::string& key, const std::string& id = "") {
    v1::CreateApiKeyRequest request;
    request.set_company_id(id);
    request.set_display_name("another key");
    request.set_role(v1::ROLE_VIEWER);
    v1::CreateApiKeyResponse response;
    return api().admin().CreateApiKey(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status ListApiKeys(const std::string& key, const std::string& id = "") {
    v1::ListApiKeysRequest request;
    request.set_company_id(id);
    v1::ListApiKeysResponse response;
    return api().admin().ListApiKeys(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status RevokeApiKey(const std::string& key, const std::string& api_key_id) {
    v1::RevokeApiKeyRequest request;
    request.set_api_key_id(api_key_id);
    v1::ApiKey response;
    return api().admin().RevokeApiKey(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status CreateCompany(const std::string& key) {
    v1::CreateCompanyRequest request;
    request.mutable_company()->set_display_name(Unique("Company"));
    request.mutable_company()->set_default_currency_code("EUR");
    v1::CreateCompanyResponse response;
    return api().admin().CreateCompany(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status CreateCustomer(const std::string& key) {
    v1::CreateCustomerRequest request;
    request.mutable_customer()->set_display_name(Unique("Customer"));
    request.mutable_customer()->set_email("ap@example.com");
    v1::Customer response;
    return api().customers().CreateCustomer(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status UpdateCustomer(const std::string& key) {
    v1::Customer current;
    v1::GetCustomerRequest get;
    get.set_customer_id(customer_.id());
    EXPECT_TRUE(api().customers().GetCustomer(ApiClient::Context(admin_).get(), get, &current).ok());
    v1::UpdateCustomerRequest request;
    *request.mutable_customer() = current;
    request.mutable_customer()->set_display_name(Unique("Renamed customer"));
    request.mutable_update_mask()->add_paths("display_name");
    v1::Customer response;
    return api().customers().UpdateCustomer(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status GetCustomer(const std::string& key) {
    v1::GetCustomerRequest request;
    request.set_customer_id(customer_.id());
    v1::Customer response;
    return api().customers().GetCustomer(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status ListCustomers(const std::string& key) {
    v1::ListCustomersResponse response;
    return api().customers().ListCustomers(ApiClient::Context(key).get(), v1::ListCustomersRequest(), &response);
  }
  grpc::Status CreateInvoice(const std::string& key) {
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_.id());
    *request.add_lines() = Line("Support", "1", 1000);
    v1::Invoice response;
    return api().invoices().CreateInvoice(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status UpdateInvoice(const std::string& key) {
    v1::Invoice current;
    v1::GetInvoiceRequest get;
    get.set_invoice_id(invoice_.id());
    EXPECT_TRUE(api().invoices().GetInvoice(ApiClient::Context(admin_).get(), get, &current).ok());
    v1::UpdateInvoiceRequest request;
    request.set_invoice_id(invoice_.id());
    request.set_version(current.version());
    request.set_po_number(Unique("PO"));
    request.mutable_update_mask()->add_paths("po_number");
    v1::Invoice response;
    return api().invoices().UpdateInvoice(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status GetInvoice(const std::string& key) {
    v1::GetInvoiceRequest request;
    request.set_invoice_id(invoice_.id());
    v1::Invoice response;
    return api().invoices().GetInvoice(ApiClient::Context(key).get(), request, &response);
  }
  grpc::Status ListInvoices(const std::string& key) {
    v1::ListInvoicesResponse response;
    return api().invoices().ListInvoices(ApiClient::Context(key).get(), v1::ListInvoicesRequest(), &response);
  }

  v1::CreateCompanyResponse company_;
  std::string admin_, clerk_, viewer_;
  v1::Customer customer_;
  v1::Invoice invoice_;
};

// DESIGN conventions (UNAUTHENTICATED): a call without an authorization header
// is refused by every service, before anything else is looked at.
TEST_F(AuthTest, NoKeyIsUnauthenticated) {
  EXPECT_EQ(GetCompany("").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CreateCompany("").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListCustomers("").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CreateCustomer("").error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GetInvoice("").error_code(), StatusCode::UNAUTHENTICATED);
  // Even an invalid request is refused as unauthenticated, not validated.
  v1::GetInvoiceRequest bad;
  bad.set_invoice_id("abc");
  v1::Invoice invoice;
  EXPECT_EQ(api().invoices().GetInvoice(ApiClient::Context("").get(), bad, &invoice).error_code(),
            StatusCode::UNAUTHENTICATED);
}

// Only `Bearer <key>` authenticates; other shapes of the header are refused,
// and the refusal never echoes the secret (DESIGN: secrets never appear in
// errors).
TEST_F(AuthTest, MalformedHeaderIsUnauthenticated) {
  ASSERT_TRUE(ListCustomersWithHeader("Bearer " + admin_).ok());
  for (const std::string& header :
       {"Basic " + admin_, admin_, std::string("Bearer"), std::string("Bearer "), "Bearer  " + admin_,
        "Bearer " + admin_ + " ", "Token " + admin_, std::string("Bearer ih_abc_0123456789abcdefghijklmn"),
        std::string("Bearer ih_1_short")}) {
    SCOPED_TRACE(header);
    grpc::Status status = ListCustomersWithHeader(header);
    EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED) << StatusText(status);
    EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr(admin_)));
  }
}

// A well-formed key that the server never issued is refused: another secret
// under this company's id, a key of a company that does not exist, and the
// real key with one character changed.
TEST_F(AuthTest, UnknownKeyIsUnauthenticated) {
  std::string altered = admin_;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& key : {"ih_" + company_id() + "_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                 std::string("ih_987654321_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), altered,
                                 std::string(kOperatorKey) + "x"}) {
    SCOPED_TRACE(key);
    grpc::Status status = ListCustomers(key);
    EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED) << StatusText(status);
    EXPECT_THAT(status.error_message(), ::testing::Not(::testing::HasSubstr(key)));
  }
}

// A revoked key stops working at once; the key list shows it as REVOKED with
// its revoke time.
TEST_F(AuthTest, RevokedKeyIsUnauthenticated) {
  v1::CreateApiKeyResponse clerk = NewKeyResponse(admin_, v1::ROLE_CLERK);
  ASSERT_TRUE(ListCustomers(clerk.secret()).ok());

  v1::RevokeApiKeyRequest request;
  request.set_api_key_id(clerk.api_key().id());
  v1::ApiKey revoked;
  grpc::Status status = api().admin().RevokeApiKey(ApiClient::Context(admin_).get(), request, &revoked);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(revoked.state(), v1::API_KEY_STATE_REVOKED);
  EXPECT_TRUE(revoked.has_revoke_time());

  EXPECT_EQ(ListCustomers(clerk.secret()).error_code(), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CreateCustomer(clerk.secret()).error_code(), StatusCode::UNAUTHENTICATED);

  v1::ListApiKeysResponse keys;
  ASSERT_TRUE(api().admin().ListApiKeys(ApiClient::Context(admin_).get(), v1::ListApiKeysRequest(), &keys).ok());
  bool found = false;
  for (const v1::ApiKey& key : keys.api_keys()) {
    if (key.id() != clerk.api_key().id()) continue;
    found = true;
    EXPECT_EQ(key.state(), v1::API_KEY_STATE_REVOKED);
  }
  EXPECT_TRUE(found);
}

// Roles: the operator key creates and looks after companies; it may not read
// or write a company's customers and invoices (PERMISSION_DENIED).
TEST_F(AuthTest, OperatorKeyCannotUseCustomerOrInvoiceService) {
  EXPECT_EQ(CreateCustomer(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListCustomers(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetCustomer(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateInvoice(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GetInvoice(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListInvoices(kOperatorKey).error_code(), StatusCode::PERMISSION_DENIED);
}

// admin_service.proto: "The operator key may name any company" in the
// AdminService calls it may make, and must name one (there is no caller's
// company to default to).
TEST_F(AuthTest, OperatorKeyManagesANamedCompany) {
  EXPECT_TRUE(ListApiKeys(kOperatorKey, company_id()).ok());
  EXPECT_TRUE(CreateApiKey(kOperatorKey, company_id()).ok());
  EXPECT_TRUE(UpdateCompany(kOperatorKey, company_id()).ok());
  grpc::Status unnamed = ListApiKeys(kOperatorKey, "");
  EXPECT_EQ(unnamed.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(unnamed);
  EXPECT_THAT(ViolationFields(unnamed), ::testing::ElementsAre("company_id"));
}

// admin_service.proto: the operator may name any company in AdminService, so
// it can read the company it looks after (and the version UpdateCompany needs).
TEST_F(AuthTest, OperatorKeyCanGetANamedCompany) {
  grpc::Status status = GetCompany(kOperatorKey, company_id());
  EXPECT_TRUE(status.ok()) << StatusText(status);
}

// Roles: only the operator creates companies; a company's own ADMIN key cannot.
TEST_F(AuthTest, CompanyKeysCannotCreateCompanies) {
  EXPECT_EQ(CreateCompany(admin_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateCompany(clerk_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateCompany(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
}

// Roles: a CLERK writes customers and invoices but cannot manage the company
// or its keys.
TEST_F(AuthTest, ClerkCannotManageCompanyOrKeys) {
  EXPECT_EQ(CreateApiKey(clerk_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(UpdateCompany(clerk_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListApiKeys(clerk_).error_code(), StatusCode::PERMISSION_DENIED);
  v1::CreateApiKeyResponse viewer = NewKeyResponse(admin_, v1::ROLE_VIEWER);
  EXPECT_EQ(RevokeApiKey(clerk_, viewer.api_key().id()).error_code(), StatusCode::PERMISSION_DENIED);
  // ...and nothing changed: the viewer key still works.
  EXPECT_TRUE(ListCustomers(viewer.secret()).ok());

  EXPECT_TRUE(CreateCustomer(clerk_).ok());
  EXPECT_TRUE(UpdateCustomer(clerk_).ok());
  EXPECT_TRUE(CreateInvoice(clerk_).ok());
  EXPECT_TRUE(UpdateInvoice(clerk_).ok());
}

// Roles: a VIEWER reads customers, invoices and its company, and writes
// nothing.
TEST_F(AuthTest, ViewerReadsButCannotWrite) {
  int64_t customers_before = Count("SELECT count(*) FROM customers WHERE company_id = " + company_id());
  int64_t invoices_before = Count("SELECT count(*) FROM invoices WHERE company_id = " + company_id());

  EXPECT_EQ(CreateCustomer(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(UpdateCustomer(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateInvoice(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(UpdateInvoice(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreateApiKey(viewer_).error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(UpdateCompany(viewer_).error_code(), StatusCode::PERMISSION_DENIED);

  EXPECT_EQ(Count("SELECT count(*) FROM customers WHERE company_id = " + company_id()), customers_before);
  EXPECT_EQ(Count("SELECT count(*) FROM invoices WHERE company_id = " + company_id()), invoices_before);
  EXPECT_EQ(Count("SELECT max(version) FROM invoices WHERE company_id = " + company_id()), 1);

  EXPECT_TRUE(GetCustomer(viewer_).ok());
  EXPECT_TRUE(ListCustomers(viewer_).ok());
  EXPECT_TRUE(GetInvoice(viewer_).ok());
  EXPECT_TRUE(ListInvoices(viewer_).ok());
  EXPECT_TRUE(GetCompany(viewer_).ok());
}

// Roles: an ADMIN key may do everything in its company.
TEST_F(AuthTest, AdminCanDoEverything) {
  EXPECT_TRUE(GetCompany(admin_).ok());
  EXPECT_TRUE(GetCompany(admin_, company_id()).ok());
  EXPECT_TRUE(UpdateCompany(admin_).ok());
  EXPECT_TRUE(CreateApiKey(admin_).ok());
  EXPECT_TRUE(ListApiKeys(admin_).ok());
  v1::CreateApiKeyResponse spare = NewKeyResponse(admin_, v1::ROLE_VIEWER);
  EXPECT_TRUE(RevokeApiKey(admin_, spare.api_key().id()).ok());
  EXPECT_TRUE(CreateCustomer(admin_).ok());
  EXPECT_TRUE(UpdateCustomer(admin_).ok());
  EXPECT_TRUE(GetCustomer(admin_).ok());
  EXPECT_TRUE(ListCustomers(admin_).ok());
  EXPECT_TRUE(CreateInvoice(admin_).ok());
  EXPECT_TRUE(UpdateInvoice(admin_).ok());
  EXPECT_TRUE(GetInvoice(admin_).ok());
  EXPECT_TRUE(ListInvoices(admin_).ok());
}

// admin_service.proto ApiKey: a secret is shown only once, when the key is
// made; listing keys shows only its first characters (secret_prefix), and the
// database keeps only its hash.
TEST_F(AuthTest, KeySecretIsShownOnlyOnce) {
  v1::CreateApiKeyResponse created = NewKeyResponse(admin_, v1::ROLE_CLERK);
  const std::string& secret = created.secret();
  ASSERT_FALSE(secret.empty());
  EXPECT_FALSE(created.api_key().secret_prefix().empty());
  EXPECT_TRUE(secret.starts_with(created.api_key().secret_prefix()));
  EXPECT_LT(created.api_key().secret_prefix().size(), secret.size());

  v1::ListApiKeysResponse keys;
  ASSERT_TRUE(api().admin().ListApiKeys(ApiClient::Context(admin_).get(), v1::ListApiKeysRequest(), &keys).ok());
  ASSERT_EQ(keys.api_keys_size(), 4);  // initial admin, clerk, viewer, this one
  std::string listed = keys.SerializeAsString() + keys.DebugString();
  EXPECT_THAT(listed, ::testing::Not(::testing::HasSubstr(secret)));
  EXPECT_THAT(listed, ::testing::Not(::testing::HasSubstr(admin_)));
  for (const v1::ApiKey& key : keys.api_keys()) {
    EXPECT_EQ(key.company_id(), company_id());
    if (key.id() == created.api_key().id()) {
      EXPECT_EQ(key.secret_prefix(), created.api_key().secret_prefix());
    }
  }
  EXPECT_EQ(Count("SELECT count(*) FROM api_keys WHERE position('" + secret + "' in api_keys::text) > 0"), 0);
}

}  // namespace
}  // namespace invoicehub::e2e
