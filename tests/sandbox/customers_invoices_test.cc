// Customers and invoices (docs/billpay-contract.md "Customers", "Invoices")
// and the Pay Now page.

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/sandbox/sandbox_fixture.h"

namespace invoicehub::sandbox_test {
namespace {

using CustomersInvoicesTest = SandboxTest;

struct Page {
  int status = -1;
  std::string html;
};

// GET of a Pay Now URL, as a payer's browser would.
Page OpenPayPage(const std::string& pay_now_url) {
  size_t path_start = pay_now_url.find('/', pay_now_url.find("://") + 3);
  httplib::Client client(pay_now_url.substr(0, path_start));
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get(pay_now_url.substr(path_start).c_str());
  if (!result) return {};
  return {result->status, result->body};
}

// BP-3: a customer exists once per external id; a second create names it.
TEST_F(CustomersInvoicesTest, ACustomerExternalIdIsUniqueInTheAccount) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  ApiAnswer second = api.Post("/v1/customers", {{"external_id", "c1"}, {"name", "Again"}});
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.error_code(), "already_exists");
  EXPECT_EQ(second.body["error"]["existing_id"], customer);
  Json found = api.Get("/v1/customers?external_id=c1").body["data"];
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["id"], customer);
  EXPECT_EQ(found[0]["name"], "Customer c1");
  EXPECT_EQ(api.Get("/v1/customers?external_id=nobody").body["data"].size(), 0u);
}

// BP-4
TEST_F(CustomersInvoicesTest, AnInvoiceGetsAUniquePayNowUrlAndIsUniqueByExternalId) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  Json first = api.CreateInvoice(customer, "i1", 12345);
  Json second = api.CreateInvoice(customer, "i2", 500);
  EXPECT_EQ(first["status"], "open");
  EXPECT_EQ(first["outstanding"], 12345);
  EXPECT_EQ(first["currency"], "CHF");
  EXPECT_EQ(first["pdf_sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(first.value("pay_now_url", "").rfind(sandbox_.base_url() + "/pay/", 0), 0u) << first;
  EXPECT_NE(first["pay_now_url"], second["pay_now_url"]);
  ApiAnswer duplicate = api.Post("/v1/invoices", {{"customer_id", customer},
                                                  {"external_id", "i1"},
                                                  {"number", "INV-9"},
                                                  {"invoice_date", "2025-03-01"},
                                                  {"due_date", "2025-03-31"},
                                                  {"currency", "CHF"},
                                                  {"amount", 1},
                                                  {"outstanding", 1}});
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(duplicate.body["error"]["existing_id"], first["id"]);
  Json listed = api.Get("/v1/invoices?external_id=i1").body["data"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], first["id"]);
}

TEST_F(CustomersInvoicesTest, AnInvalidInvoiceIsRefusedWithEveryProblem) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  ApiAnswer refused = api.Post("/v1/invoices", {{"customer_id", customer},
                                                {"external_id", "i1"},
                                                {"number", "INV-1"},
                                                {"invoice_date", "2025-02-30"},
                                                {"due_date", "2025-03-31"},
                                                {"currency", "chf"},
                                                {"amount", -5},
                                                {"outstanding", 0},
                                                {"pdf_base64", "%%%"}});
  ASSERT_EQ(refused.status, 400);
  std::string message = refused.body["error"]["message"];
  for (const char* field : {"invoice_date", "currency", "amount", "pdf_base64"})
    EXPECT_NE(message.find(field), std::string::npos) << field << " missing in: " << message;
  EXPECT_EQ(api.Get("/v1/invoices").body["data"].size(), 0u);
}

// BP-11: an update changes the amounts and number; the Pay Now URL stays.
TEST_F(CustomersInvoicesTest, AnUpdateKeepsThePayNowUrl) {
  ApiClient api = Api();
  Json invoice = api.CreateInvoice(api.CreateCustomer("c1"), "i1", 10000);
  std::string id = invoice.value("id", "");
  ApiAnswer updated = api.Put("/v1/invoices/" + id, {{"number", "INV-1-R"}, {"amount", 8000}, {"outstanding", 8000}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.body["pay_now_url"], invoice["pay_now_url"]);
  Json stored = api.GetInvoice(id);
  EXPECT_EQ(stored["number"], "INV-1-R");
  EXPECT_EQ(stored["amount"], 8000);
  EXPECT_EQ(stored["outstanding"], 8000);
  EXPECT_EQ(stored["pay_now_url"], invoice["pay_now_url"]);
  // status is paid while nothing is outstanding.
  ASSERT_EQ(api.Put("/v1/invoices/" + id, {{"outstanding", 0}}).status, 200);
  EXPECT_EQ(api.GetInvoice(id)["status"], "paid");
  // An outstanding above the amount is refused.
  EXPECT_EQ(api.Put("/v1/invoices/" + id, {{"outstanding", 9000}}).status, 400);
}

// BP-9: a deleted invoice is gone for the API and for the payer; the next
// create makes a new record with a new Pay Now URL.
TEST_F(CustomersInvoicesTest, ADeletedInvoiceIs404AndSoIsItsPage) {
  ApiClient api = Api();
  std::string customer = api.CreateCustomer("c1");
  Json invoice = api.CreateInvoice(customer, "i1", 12345);
  std::string id = invoice.value("id", "");
  Page page = OpenPayPage(invoice.value("pay_now_url", ""));
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.html.find("INV-i1"), std::string::npos) << page.html;
  EXPECT_NE(page.html.find("123.45 CHF"), std::string::npos) << page.html;

  ApiAnswer deleted = api.Delete("/v1/invoices/" + id);
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["status"], "deleted");
  EXPECT_EQ(api.Delete("/v1/invoices/" + id).status, 404);
  EXPECT_EQ(api.Put("/v1/invoices/" + id, {{"outstanding", 1}}).status, 404);
  EXPECT_EQ(api.GetInvoice(id)["status"], "deleted");
  EXPECT_EQ(api.Get("/v1/invoices?external_id=i1").body["data"].size(), 0u);
  EXPECT_EQ(OpenPayPage(invoice.value("pay_now_url", "")).status, 404);

  Json again = api.CreateInvoice(customer, "i1", 12345);
  EXPECT_NE(again["id"], invoice["id"]);
  EXPECT_NE(again["pay_now_url"], invoice["pay_now_url"]);
  EXPECT_EQ(OpenPayPage(again.value("pay_now_url", "")).status, 200);
}

TEST_F(CustomersInvoicesTest, ThePayPageEscapesTheInvoiceNumber) {
  ApiClient api = Api();
  ApiAnswer created = api.Post("/v1/invoices", {{"customer_id", api.CreateCustomer("c1")},
                                                {"external_id", "i1"},
                                                {"number", "<script>x</script>"},
                                                {"invoice_date", "2025-03-01"},
                                                {"due_date", "2025-03-31"},
                                                {"currency", "EUR"},
                                                {"amount", 5},
                                                {"outstanding", 5}});
  ASSERT_EQ(created.status, 201);
  Page page = OpenPayPage(created.body.value("pay_now_url", ""));
  EXPECT_EQ(page.html.find("<script>"), std::string::npos);
  EXPECT_NE(page.html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.html.find("0.05 EUR"), std::string::npos);
}

}  // namespace
}  // namespace invoicehub::sandbox_test
