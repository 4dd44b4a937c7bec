// DESIGN conventions: an invalid request answers INVALID_ARGUMENT whose
// details (RpcStatus -> BadRequest) name every offending field by its path in
// the request, and nothing is written: one RPC is one transaction, so row
// counts, record contents and versions are exactly as before.

#include <functional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/e2e_fixture.h"

namespace invoicehub::e2e {
namespace {

using grpc::StatusCode;

// Row counts, version sums and a digest of every business table: any write
// at all changes it.
constexpr char kSnapshotSql[] =
    "SELECT concat_ws(' ',"
    " (SELECT count(*) || '/' || coalesce(sum(version), 0) || '/' ||"
    "   md5(coalesce(string_agg(c::text, '|' ORDER BY company_id), '')) FROM companies c),"
    " (SELECT count(*) || '/' || md5(coalesce(string_agg(k::text, '|' ORDER BY company_id, api_key_id), ''))"
    "   FROM api_keys k),"
    " (SELECT count(*) || '/' || coalesce(sum(version), 0) || '/' ||"
    "   md5(coalesce(string_agg(c::text, '|' ORDER BY company_id, customer_id), '')) FROM customers c),"
    " (SELECT count(*) || '/' || coalesce(sum(version), 0) || '/' ||"
    "   md5(coalesce(string_agg(i::text, '|' ORDER BY company_id, invoice_id), '')) FROM invoices i),"
    " (SELECT count(*) || '/' || md5(coalesce(string_agg(l::text, '|' ORDER BY company_id, invoice_id, line_no), ''))"
    "   FROM invoice_lines l),"
    " (SELECT count(*) FROM audit_log),"
    " (SELECT count(*) FROM idempotent_requests))";

class InvalidInputTest : public E2eTest {
 protected:
  void SetUp() override {
    E2eTest::SetUp();
    if (HasFatalFailure()) return;
    company_ = NewCompany();  // CHF, Europe/Zurich
    admin_ = company_.admin_key_secret();
    clerk_ = NewKey(admin_, v1::ROLE_CLERK);
    customer_ = NewCustomer(clerk_, "Kunde AG", "ap@kunde.example", 30);
    invoice_ = NewInvoice(clerk_, customer_.id());
  }

  // Runs `call` and expects INVALID_ARGUMENT listing exactly `fields`, and no
  // change at all in the database.
  void ExpectInvalid(const std::string& what, const std::vector<std::string>& fields,
                     const std::function<grpc::Status()>& call) {
    SCOPED_TRACE(what);
    std::string before = Sql(kSnapshotSql);
    grpc::Status status = call();
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << StatusText(status);
    EXPECT_THAT(ViolationFields(status), ::testing::UnorderedElementsAreArray(fields)) << StatusText(status);
    EXPECT_EQ(Sql(kSnapshotSql), before) << "the refused request changed the database";
  }

  // A valid CreateInvoice request, with a request_id so that a stored
  // idempotency record would show too.
  v1::CreateInvoiceRequest InvoiceRequest() const {
    v1::CreateInvoiceRequest request;
    request.set_customer_id(customer_.id());
    request.set_request_id(Unique("req"));
    *request.mutable_issue_date() = MakeDate(2024, 3, 10);
    *request.add_lines() = Line("Consulting", "1.5", 15000, "8.1");
    return request;
  }
  grpc::Status CreateInvoice(const v1::CreateInvoiceRequest& request) {
    v1::Invoice response;
    return api().invoices().CreateInvoice(ApiClient::Context(clerk_).get(), request, &response);
  }
  // An UpdateInvoice of invoice_ at its current version.
  v1::UpdateInvoiceRequest UpdateRequest() const {
    v1::UpdateInvoiceRequest request;
    request.set_invoice_id(invoice_.id());
    request.set_version(invoice_.version());
    request.set_request_id(Unique("req"));
    return request;
  }
  grpc::Status UpdateInvoice(const v1::UpdateInvoiceRequest& request) {
    v1::Invoice response;
    return api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), request, &response);
  }
  v1::CreateCustomerRequest CustomerRequest() const {
    v1::CreateCustomerRequest request;
    request.set_request_id(Unique("req"));
    request.mutable_customer()->set_display_name("Neu AG");
    request.mutable_customer()->set_email("ap@neu.example");
    return request;
  }
  grpc::Status CreateCustomer(const v1::CreateCustomerRequest& request) {
    v1::Customer response;
    return api().customers().CreateCustomer(ApiClient::Context(clerk_).get(), request, &response);
  }
  v1::UpdateCustomerRequest UpdateCustomerRequest() const {
    v1::UpdateCustomerRequest request;
    *request.mutable_customer() = customer_;
    request.set_request_id(Unique("req"));
    return request;
  }
  grpc::Status UpdateCustomer(const v1::UpdateCustomerRequest& request) {
    v1::Customer response;
    return api().customers().UpdateCustomer(ApiClient::Context(clerk_).get(), request, &response);
  }
  v1::CreateCompanyRequest CompanyRequest() const {
    v1::CreateCompanyRequest request;
    request.set_request_id(Unique("req"));
    request.mutable_company()->set_display_name(Unique("Company"));
    request.mutable_company()->set_default_currency_code("EUR");
    request.mutable_company()->set_time_zone("Europe/Berlin");
    return request;
  }
  grpc::Status CreateCompany(const v1::CreateCompanyRequest& request) {
    v1::CreateCompanyResponse response;
    return api().admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &response);
  }
  v1::UpdateCompanyRequest UpdateCompanyRequest() const {
    v1::UpdateCompanyRequest request;
    *request.mutable_company() = company_.company();
    request.set_request_id(Unique("req"));
    return request;
  }
  grpc::Status UpdateCompany(const v1::UpdateCompanyRequest& request) {
    v1::Company response;
    return api().admin().UpdateCompany(ApiClient::Context(admin_).get(), request, &response);
  }
  grpc::Status GetInvoice(const std::string& id) {
    v1::GetInvoiceRequest request;
    request.set_invoice_id(id);
    v1::Invoice response;
    return api().invoices().GetInvoice(ApiClient::Context(clerk_).get(), request, &response);
  }
  grpc::Status ListInvoices(const v1::ListInvoicesRequest& request) {
    v1::ListInvoicesResponse response;
    return api().invoices().ListInvoices(ApiClient::Context(clerk_).get(), request, &response);
  }
  grpc::Status ListCustomers(const v1::ListCustomersRequest& request) {
    v1::ListCustomersResponse response;
    return api().customers().ListCustomers(ApiClient::Context(clerk_).get(), request, &response);
  }

  v1::CreateCompanyResponse company_;
  std::string admin_, clerk_;
  v1::Customer customer_;
  v1::Invoice invoice_;
};

// DESIGN money: "arithmetic that can overflow is checked". Totals that do not
// fit in int64 minor units are refused on `lines`, never wrapped or stored.
TEST_F(InvalidInputTest, OverflowingAmounts) {
  ExpectInvalid("9999999999 x 9e15", {"lines"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_lines(0) = Line("Huge", "9999999999", 9'000'000'000'000'000LL);
    return CreateInvoice(request);
  });
  ExpectInvalid("two lines whose sum overflows", {"lines"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_lines(0) = Line("Half", "1", 5'000'000'000'000'000'000LL);
    *request.add_lines() = Line("Other half", "1", 5'000'000'000'000'000'000LL);
    return CreateInvoice(request);
  });
  ExpectInvalid("net plus 100% tax overflows", {"lines"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_lines(0) = Line("Taxed", "1", 9'000'000'000'000'000'000LL, "100");
    return CreateInvoice(request);
  });
  ExpectInvalid("quantity beyond int64", {"lines[0].quantity"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.mutable_lines(0)->set_quantity("99999999999999999999");
    return CreateInvoice(request);
  });
  ExpectInvalid("update to overflowing lines", {"lines"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    *request.add_lines() = Line("Huge", "9999999999", 9'000'000'000'000'000LL);
    request.mutable_update_mask()->add_paths("lines");
    return UpdateInvoice(request);
  });
}

// invoice_service.proto InvoiceLine: quantity is a non-negative decimal with
// at most 4 places; unit price is required and not negative; tax is 0 to 100
// with at most 3 places; an invoice has at least one line.
TEST_F(InvalidInputTest, MalformedLineNumbers) {
  struct Case {
    std::string what;
    std::function<void(v1::InvoiceLine&)> edit;
    std::string field;
  };
  std::vector<Case> cases = {
      {"negative quantity", [](v1::InvoiceLine& l) { l.set_quantity("-1"); }, "lines[0].quantity"},
      {"five decimals", [](v1::InvoiceLine& l) { l.set_quantity("1.23456"); }, "lines[0].quantity"},
      {"not a number", [](v1::InvoiceLine& l) { l.set_quantity("abc"); }, "lines[0].quantity"},
      {"exponent", [](v1::InvoiceLine& l) { l.set_quantity("1e3"); }, "lines[0].quantity"},
      {"leading space", [](v1::InvoiceLine& l) { l.set_quantity(" 1"); }, "lines[0].quantity"},
      {"no quantity", [](v1::InvoiceLine& l) { l.set_quantity(""); }, "lines[0].quantity"},
      {"negative price", [](v1::InvoiceLine& l) { l.mutable_unit_price()->set_minor_units(-1); },
       "lines[0].unit_price.minor_units"},
      {"no price", [](v1::InvoiceLine& l) { l.clear_unit_price(); }, "lines[0].unit_price"},
      {"tax over 100", [](v1::InvoiceLine& l) { l.set_tax_rate_percent("100.001"); }, "lines[0].tax_rate_percent"},
      {"negative tax", [](v1::InvoiceLine& l) { l.set_tax_rate_percent("-5"); }, "lines[0].tax_rate_percent"},
      {"tax with 4 places", [](v1::InvoiceLine& l) { l.set_tax_rate_percent("8.1234"); }, "lines[0].tax_rate_percent"},
      {"no description", [](v1::InvoiceLine& l) { l.set_description(" "); }, "lines[0].description"},
  };
  for (const Case& c : cases) {
    ExpectInvalid(c.what, {c.field}, [&] {
      v1::CreateInvoiceRequest request = InvoiceRequest();
      c.edit(*request.mutable_lines(0));
      return CreateInvoice(request);
    });
  }
  ExpectInvalid("no lines", {"lines"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.clear_lines();
    return CreateInvoice(request);
  });
  ExpectInvalid("501 lines", {"lines"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    for (int i = 0; i < 500; ++i) *request.add_lines() = Line("Item", "1", 100);
    return CreateInvoice(request);
  });
  ExpectInvalid("update with a negative quantity", {"lines[1].quantity"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    *request.add_lines() = Line("Ok", "1", 100);
    *request.add_lines() = Line("Bad", "-2", 100);
    request.mutable_update_mask()->add_paths("lines");
    return UpdateInvoice(request);
  });
}

// Money: ISO 4217 codes only, and one invoice never mixes currencies.
TEST_F(InvalidInputTest, UnknownOrMixedCurrency) {
  ExpectInvalid("unknown line currency", {"lines[0].unit_price.currency_code"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.mutable_lines(0)->mutable_unit_price()->set_currency_code("ABC");
    return CreateInvoice(request);
  });
  ExpectInvalid("mixed currency", {"lines[1].unit_price.currency_code"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.mutable_lines(0)->mutable_unit_price()->set_currency_code("CHF");
    *request.add_lines() = Line("Travel", "1", 5000, "", "USD");
    return CreateInvoice(request);
  });
  ExpectInvalid("unknown customer currency", {"customer.currency_code"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->set_currency_code("ZZZ");
    return CreateCustomer(request);
  });
  ExpectInvalid("lower-case customer currency", {"customer.currency_code"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->set_currency_code("chf");
    return CreateCustomer(request);
  });
  ExpectInvalid("unknown company currency", {"company.default_currency_code"}, [&] {
    v1::CreateCompanyRequest request = CompanyRequest();
    request.mutable_company()->set_default_currency_code("EURO");
    return CreateCompany(request);
  });
  ExpectInvalid("update customer to an unknown currency", {"customer.currency_code"}, [&] {
    v1::UpdateCustomerRequest request = UpdateCustomerRequest();
    request.mutable_customer()->set_currency_code("XYZ");
    request.mutable_update_mask()->add_paths("currency_code");
    return UpdateCustomer(request);
  });
}

// common.proto Date: a real calendar date; and a due date never comes before
// the issue date.
TEST_F(InvalidInputTest, BadDates) {
  ExpectInvalid("2024-02-30", {"issue_date"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_issue_date() = MakeDate(2024, 2, 30);
    return CreateInvoice(request);
  });
  ExpectInvalid("2023-02-29 (no leap year)", {"due_date"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_due_date() = MakeDate(2023, 2, 29);
    return CreateInvoice(request);
  });
  ExpectInvalid("month 13", {"issue_date"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_issue_date() = MakeDate(2024, 13, 1);
    return CreateInvoice(request);
  });
  ExpectInvalid("year 0", {"issue_date"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_issue_date() = MakeDate(0, 1, 1);
    return CreateInvoice(request);
  });
  ExpectInvalid("due before issue", {"due_date"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_issue_date() = MakeDate(2024, 3, 10);
    *request.mutable_due_date() = MakeDate(2024, 3, 9);
    return CreateInvoice(request);
  });
  ExpectInvalid("update due date before issue", {"due_date"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    *request.mutable_due_date() = MakeDate(2024, 1, 1);
    request.mutable_update_mask()->add_paths("due_date");
    return UpdateInvoice(request);
  });
  ExpectInvalid("update issue date 2024-04-31", {"issue_date"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    *request.mutable_issue_date() = MakeDate(2024, 4, 31);
    request.mutable_update_mask()->add_paths("issue_date");
    return UpdateInvoice(request);
  });
  ExpectInvalid("list from 2024-02-30", {"issue_date_from"}, [&] {
    v1::ListInvoicesRequest request;
    *request.mutable_issue_date_from() = MakeDate(2024, 2, 30);
    return ListInvoices(request);
  });
  ExpectInvalid("list range ends before it starts", {"issue_date_to"}, [&] {
    v1::ListInvoicesRequest request;
    *request.mutable_issue_date_from() = MakeDate(2024, 3, 1);
    *request.mutable_issue_date_to() = MakeDate(2024, 2, 1);
    return ListInvoices(request);
  });
}

// Ids are positive decimal numbers exactly as the API returns them.
TEST_F(InvalidInputTest, BadIds) {
  for (const std::string& id :
       std::vector<std::string>{"abc", "-1", "0", "007", "1.0", "", " 1", "99999999999999999999"}) {
    ExpectInvalid("GetInvoice '" + id + "'", {"invoice_id"}, [&] { return GetInvoice(id); });
  }
  ExpectInvalid("GetCustomer -1", {"customer_id"}, [&] {
    v1::GetCustomerRequest request;
    request.set_customer_id("-1");
    v1::Customer response;
    return api().customers().GetCustomer(ApiClient::Context(clerk_).get(), request, &response);
  });
  ExpectInvalid("CreateInvoice customer abc", {"customer_id"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.set_customer_id("abc");
    return CreateInvoice(request);
  });
  ExpectInvalid("UpdateInvoice abc", {"invoice_id"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    request.set_invoice_id("abc");
    request.mutable_update_mask()->add_paths("po_number");  // an empty mask would also require lines
    return UpdateInvoice(request);
  });
  ExpectInvalid("UpdateCustomer without id", {"customer.id"}, [&] {
    v1::UpdateCustomerRequest request = UpdateCustomerRequest();
    request.mutable_customer()->set_id("");
    return UpdateCustomer(request);
  });
  ExpectInvalid("ListInvoices customer x", {"customer_id"}, [&] {
    v1::ListInvoicesRequest request;
    request.set_customer_id("x");
    return ListInvoices(request);
  });
  ExpectInvalid("GetCompany abc", {"company_id"}, [&] {
    v1::GetCompanyRequest request;
    request.set_company_id("abc");
    v1::Company response;
    return api().admin().GetCompany(ApiClient::Context(admin_).get(), request, &response);
  });
  ExpectInvalid("RevokeApiKey -1", {"api_key_id"}, [&] {
    v1::RevokeApiKeyRequest request;
    request.set_api_key_id("-1");
    v1::ApiKey response;
    return api().admin().RevokeApiKey(ApiClient::Context(admin_).get(), request, &response);
  });
}

// List paging: page_size is 0 to 500 and page_token must be one the API
// returned.
TEST_F(InvalidInputTest, BadPaging) {
  for (const std::string& token : std::vector<std::string>{"garbage", "YWZ0ZXI6LTU", "!!!"}) {
    ExpectInvalid("invoice token " + token, {"page_token"}, [&] {
      v1::ListInvoicesRequest request;
      request.set_page_token(token);
      return ListInvoices(request);
    });
    ExpectInvalid("customer token " + token, {"page_token"}, [&] {
      v1::ListCustomersRequest request;
      request.set_page_token(token);
      return ListCustomers(request);
    });
  }
  for (int size : {501, -1}) {
    ExpectInvalid("invoice page_size " + std::to_string(size), {"page_size"}, [&] {
      v1::ListInvoicesRequest request;
      request.set_page_size(size);
      return ListInvoices(request);
    });
    ExpectInvalid("customer page_size " + std::to_string(size), {"page_size"}, [&] {
      v1::ListCustomersRequest request;
      request.set_page_size(size);
      return ListCustomers(request);
    });
  }
  v1::ListInvoicesRequest largest;
  largest.set_page_size(500);
  EXPECT_TRUE(ListInvoices(largest).ok());
}

// update_mask names only updatable fields; anything else (output-only or
// unknown) is refused, not ignored.
TEST_F(InvalidInputTest, UnknownUpdateMaskPath) {
  ExpectInvalid("invoice total", {"update_mask"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    request.mutable_update_mask()->add_paths("total");
    return UpdateInvoice(request);
  });
  ExpectInvalid("invoice po_number and state", {"update_mask"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    request.set_po_number("x");
    request.mutable_update_mask()->add_paths("po_number");
    request.mutable_update_mask()->add_paths("state");
    return UpdateInvoice(request);
  });
  ExpectInvalid("customer id", {"update_mask"}, [&] {
    v1::UpdateCustomerRequest request = UpdateCustomerRequest();
    request.mutable_update_mask()->add_paths("id");
    return UpdateCustomer(request);
  });
  ExpectInvalid("company version", {"update_mask"}, [&] {
    v1::UpdateCompanyRequest request = UpdateCompanyRequest();
    request.mutable_update_mask()->add_paths("version");
    return UpdateCompany(request);
  });
}

// Customers need a plausible e-mail address.
TEST_F(InvalidInputTest, BadEmail) {
  for (const std::string& email : std::vector<std::string>{"not-an-email", "a@b", "", "a b@example.com",
                                                           "a@@example.com", "ap@example.com, boss@example.com"}) {
    ExpectInvalid("create '" + email + "'", {"customer.email"}, [&] {
      v1::CreateCustomerRequest request = CustomerRequest();
      request.mutable_customer()->set_email(email);
      return CreateCustomer(request);
    });
  }
  ExpectInvalid("update", {"customer.email"}, [&] {
    v1::UpdateCustomerRequest request = UpdateCustomerRequest();
    request.mutable_customer()->set_email("nobody");
    request.mutable_update_mask()->add_paths("email");
    return UpdateCustomer(request);
  });
}

// admin_service.proto Company.time_zone: an IANA zone name, never a file.
TEST_F(InvalidInputTest, UnknownTimeZone) {
  for (const std::string& zone :
       std::vector<std::string>{"Mars/Olympus_Mons", "../../etc/passwd", "/etc/localtime", "Europe/Zurich "}) {
    ExpectInvalid("create '" + zone + "'", {"company.time_zone"}, [&] {
      v1::CreateCompanyRequest request = CompanyRequest();
      request.mutable_company()->set_time_zone(zone);
      return CreateCompany(request);
    });
  }
  ExpectInvalid("update", {"company.time_zone"}, [&] {
    v1::UpdateCompanyRequest request = UpdateCompanyRequest();
    request.mutable_company()->set_time_zone("Nowhere/City");
    request.mutable_update_mask()->add_paths("time_zone");
    return UpdateCompany(request);
  });
}

// Text fields refuse control characters (C0, DEL and C1), wherever they are.
TEST_F(InvalidInputTest, ControlCharacters) {
  ExpectInvalid("customer name SOH", {"customer.display_name"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->set_display_name("Acme\x01 AG");
    return CreateCustomer(request);
  });
  ExpectInvalid("customer name C1 NEL", {"customer.display_name"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->set_display_name("Acme\xc2\x85 AG");
    return CreateCustomer(request);
  });
  ExpectInvalid("address line ESC", {"customer.billing_address.address_lines[0]"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->mutable_billing_address()->add_address_lines("Bahnhofstrasse 1\x1b[2J");
    return CreateCustomer(request);
  });
  ExpectInvalid("line description newline", {"lines[0].description"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.mutable_lines(0)->set_description("Consulting\nDROP");
    return CreateInvoice(request);
  });
  ExpectInvalid("po number DEL", {"po_number"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.set_po_number("PO\x7f");
    return CreateInvoice(request);
  });
  ExpectInvalid("company name tab", {"company.display_name"}, [&] {
    v1::UpdateCompanyRequest request = UpdateCompanyRequest();
    request.mutable_company()->set_display_name("Firma\tAG");
    request.mutable_update_mask()->add_paths("display_name");
    return UpdateCompany(request);
  });
  ExpectInvalid("name filter NUL", {"name_contains"}, [&] {
    v1::ListCustomersRequest request;
    request.set_name_contains(std::string("Ac\0me", 5));
    return ListCustomers(request);
  });
}

// request_id: printable ASCII without spaces, at most 128 characters.
TEST_F(InvalidInputTest, BadRequestId) {
  for (const std::string& request_id : {std::string("has space"), std::string(129, 'r'), std::string("caf\xc3\xa9")}) {
    ExpectInvalid("request_id '" + request_id + "'", {"request_id"}, [&] {
      v1::CreateInvoiceRequest request = InvoiceRequest();
      request.set_request_id(request_id);
      return CreateInvoice(request);
    });
  }
}

// Enums: values the API does not define are refused.
TEST_F(InvalidInputTest, UnknownEnumValues) {
  ExpectInvalid("invoice kind 99", {"kind"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.set_kind(static_cast<v1::InvoiceKind>(99));
    return CreateInvoice(request);
  });
  ExpectInvalid("state filter 99", {"state"}, [&] {
    v1::ListInvoicesRequest request;
    request.set_state(static_cast<v1::InvoiceState>(99));
    return ListInvoices(request);
  });
  ExpectInvalid("delivery preference 99", {"customer.delivery_preference"}, [&] {
    v1::CreateCustomerRequest request = CustomerRequest();
    request.mutable_customer()->set_delivery_preference(static_cast<v1::DeliveryPreference>(99));
    return CreateCustomer(request);
  });
  ExpectInvalid("role unspecified", {"role"}, [&] {
    v1::CreateApiKeyRequest request;
    request.set_display_name("no role");
    v1::CreateApiKeyResponse response;
    return api().admin().CreateApiKey(ApiClient::Context(admin_).get(), request, &response);
  });
}

// common.proto BadRequest: "every field problem of the request at once".
TEST_F(InvalidInputTest, EveryProblemOfACustomerOrCompanyAtOnce) {
  ExpectInvalid("customer",
                {"customer.display_name", "customer.email", "customer.currency_code", "customer.payment_terms_days",
                 "customer.billing_address.region_code"},
                [&] {
                  v1::CreateCustomerRequest request = CustomerRequest();
                  request.mutable_customer()->set_display_name("Acme\x01");
                  request.mutable_customer()->set_email("bad");
                  request.mutable_customer()->set_currency_code("ZZZ");
                  request.mutable_customer()->set_payment_terms_days(400);
                  request.mutable_customer()->mutable_billing_address()->set_region_code("che");
                  return CreateCustomer(request);
                });
  ExpectInvalid(
      "company",
      {"company.display_name", "company.time_zone", "company.default_currency_code", "company.invoice_number_prefix"},
      [&] {
        v1::CreateCompanyRequest request = CompanyRequest();
        request.mutable_company()->set_display_name("");
        request.mutable_company()->set_time_zone("Mars/Base");
        request.mutable_company()->set_default_currency_code("EURO");
        request.mutable_company()->set_invoice_number_prefix("bad prefix!");
        return CreateCompany(request);
      });
}

// common.proto BadRequest: "every field problem of the request at once" for
// an invoice's lines and header.
TEST_F(InvalidInputTest, EveryProblemOfInvoiceLinesAtOnce) {
  ExpectInvalid(
      "lines and header",
      {"due_date", "po_number", "lines[0].quantity", "lines[1].unit_price.currency_code", "lines[2].tax_rate_percent"},
      [&] {
        v1::CreateInvoiceRequest request = InvoiceRequest();
        *request.mutable_issue_date() = MakeDate(2024, 3, 10);
        *request.mutable_due_date() = MakeDate(2024, 3, 1);
        request.set_po_number("PO\x01");
        request.mutable_lines(0)->set_quantity("-1");
        *request.add_lines() = Line("Travel", "1", 5000, "", "USD");
        *request.add_lines() = Line("Taxed", "1", 100, "101");
        return CreateInvoice(request);
      });
}

// common.proto BadRequest / DESIGN conventions ("INVALID_ARGUMENT with every
// field problem listed"): problems found in the request's ids and dates and
// problems of its lines are reported together, not one batch per round trip.
TEST_F(InvalidInputTest, EveryProblemOfAnInvoiceRequestAtOnce) {
  ExpectInvalid("create: bad customer id, bad date and a negative quantity",
                {"customer_id", "issue_date", "lines[0].quantity"}, [&] {
                  v1::CreateInvoiceRequest request = InvoiceRequest();
                  request.set_customer_id("abc");
                  *request.mutable_issue_date() = MakeDate(2024, 2, 30);
                  request.mutable_lines(0)->set_quantity("-1");
                  return CreateInvoice(request);
                });
  ExpectInvalid("create: bad issue date and a negative quantity", {"issue_date", "lines[0].quantity"}, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    *request.mutable_issue_date() = MakeDate(2024, 2, 30);
    request.mutable_lines(0)->set_quantity("-1");
    return CreateInvoice(request);
  });
  ExpectInvalid("update: bad date and unknown mask path", {"issue_date", "update_mask"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    *request.mutable_issue_date() = MakeDate(2024, 2, 30);
    request.mutable_update_mask()->add_paths("issue_date");
    request.mutable_update_mask()->add_paths("total");
    return UpdateInvoice(request);
  });
}

// Optimistic concurrency: an update must say which version it read.
TEST_F(InvalidInputTest, MissingVersion) {
  ExpectInvalid("invoice", {"version"}, [&] {
    v1::UpdateInvoiceRequest request = UpdateRequest();
    request.set_version(0);
    request.set_po_number("x");
    request.mutable_update_mask()->add_paths("po_number");
    return UpdateInvoice(request);
  });
  ExpectInvalid("customer", {"customer.version"}, [&] {
    v1::UpdateCustomerRequest request = UpdateCustomerRequest();
    request.mutable_customer()->set_version(0);
    request.mutable_update_mask()->add_paths("display_name");
    return UpdateCustomer(request);
  });
}

// INVALID_ARGUMENT lists every problem: a request with hundreds of them still
// answers INVALID_ARGUMENT (not RESOURCE_EXHAUSTED from oversized trailers),
// with the first 50 in the details and the rest counted.
TEST_F(InvalidInputTest, HundredsOfProblemsStillAnswerInvalidArgument) {
  std::vector<std::string> fields;
  for (int i = 0; i < 120; ++i) {
    std::string line = "lines[" + std::to_string(i) + "]";
    for (const char* name : {".quantity", ".unit_price.currency_code", ".unit_price.minor_units", ".tax_rate_percent"})
      if (fields.size() < 50) fields.push_back(line + name);
  }
  fields.push_back("(request)");
  ExpectInvalid("120 bad lines", fields, [&] {
    v1::CreateInvoiceRequest request = InvoiceRequest();
    request.clear_lines();
    for (int i = 0; i < 120; ++i) {
      v1::InvoiceLine* line = request.add_lines();
      *line = Line("Bad", "-1", -5, "200");
      line->mutable_unit_price()->set_currency_code("XXX");
    }
    return CreateInvoice(request);
  });
}

}  // namespace
}  // namespace invoicehub::e2e
