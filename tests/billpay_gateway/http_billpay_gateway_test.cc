// HttpBillPayGateway against the real billpay-sandbox binary (one per test,
// since faults are the sandbox's own) and, for what the sandbox cannot do
// (a closed port, an empty reply, a self-signed certificate), against tiny
// local servers. Every outcome the interface promises is checked here over
// real sockets.

#include "integrations/billpay/http_billpay_gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "integrations/billpay/gateway_factory.h"
#include "tests/support/concurrently.h"
#include "tests/support/sandbox_process.h"

namespace invoicehub::billpay {
namespace {

using ::invoicehub::testing::SandboxAccount;
using ::invoicehub::testing::SandboxProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using nlohmann::json;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(digest), size));
}

// The "accounts" entry of GET /sandbox/state for `account_id`.
json AccountState(const json& state, const std::string& account_id) {
  if (!state.contains("accounts")) return nullptr;
  for (const json& account : state["accounts"])
    if (account.value("account_id", "") == account_id) return account;
  return nullptr;
}

// A port that nothing listens on: bound by us, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sandbox_.ready());
    account_ = sandbox_.CreateAccount("Acme Billing");
    ASSERT_FALSE(account_.api_key.empty());
    gateway_ = Gateway(sandbox_.base_url(), account_.api_key);
  }

  static std::unique_ptr<BillPayGateway> Gateway(const std::string& base_url, const std::string& api_key,
                                                 GatewayOptions options = {}) {
    return MakeBillPayGateway({base_url, api_key}, options);
  }

  json Account() { return AccountState(sandbox_.State(), account_.account_id); }

  CustomerRecord Customer(const std::string& external_id = "cust-1") {
    Result<CustomerRecord> customer =
        gateway_->CreateCustomer({external_id, "Customer " + external_id, external_id + "@example.com"},
                                 "customer-" + external_id);
    EXPECT_TRUE(customer.done()) << customer.error;
    return customer.value;
  }

  static InvoiceDocument Document(const std::string& customer_id, const std::string& external_id,
                                  int64_t amount = 10000) {
    InvoiceDocument invoice;
    invoice.customer_id = customer_id;
    invoice.external_id = external_id;
    invoice.number = "INV-" + external_id;
    invoice.invoice_date = "2026-01-05";
    invoice.due_date = "2026-02-04";
    invoice.currency = "CHF";
    invoice.amount_minor = amount;
    invoice.outstanding_minor = amount;
    invoice.pdf = std::string("%PDF-1.7\n\0\xff binary ", 18) + external_id;
    return invoice;
  }

  InvoiceRecord Invoice(const std::string& customer_id, const std::string& external_id, int64_t amount = 10000) {
    Result<InvoiceRecord> invoice =
        gateway_->CreateInvoice(Document(customer_id, external_id, amount), "invoice-" + external_id);
    EXPECT_TRUE(invoice.done()) << invoice.error;
    return invoice.value;
  }

  SandboxProcess sandbox_;
  SandboxAccount account_;
  std::unique_ptr<BillPayGateway> gateway_;
};

// --- customers

TEST_F(GatewayTest, CreatesAndFindsACustomer) {
  // BP-3: look first, create when missing.
  Result<std::optional<CustomerRecord>> missing = gateway_->FindCustomer("17");
  ASSERT_TRUE(missing.done()) << missing.error;
  EXPECT_FALSE(missing.value.has_value());

  Result<CustomerRecord> created = gateway_->CreateCustomer({"17", "Acme AG", "ap@acme.ch"}, "key-1");
  ASSERT_TRUE(created.done()) << created.error;
  EXPECT_THAT(created.value.id, ::testing::StartsWith("cus_"));
  EXPECT_EQ(created.value.external_id, "17");
  EXPECT_EQ(created.value.name, "Acme AG");
  EXPECT_EQ(created.value.email, "ap@acme.ch");
  EXPECT_EQ(created.http_status, 201);

  Result<std::optional<CustomerRecord>> found = gateway_->FindCustomer("17");
  ASSERT_TRUE(found.done()) << found.error;
  ASSERT_TRUE(found.value.has_value());
  EXPECT_EQ(found.value->id, created.value.id);
}

TEST_F(GatewayTest, FindsACustomerWhoseExternalIdNeedsEncoding) {
  const std::string external_id = "a&b=c d+e/ü?#";
  Result<CustomerRecord> created = gateway_->CreateCustomer({external_id, "Odd", ""}, "key-odd");
  ASSERT_TRUE(created.done()) << created.error;
  gateway_->CreateCustomer({"a", "Prefix", ""}, "key-prefix");

  Result<std::optional<CustomerRecord>> found = gateway_->FindCustomer(external_id);
  ASSERT_TRUE(found.done()) << found.error;
  ASSERT_TRUE(found.value.has_value());
  EXPECT_EQ(found.value->id, created.value.id);
  EXPECT_EQ(found.value->external_id, external_id);
}

TEST_F(GatewayTest, SecondCreateOfACustomerAnswersTheExistingOne) {
  // BP-3: a create that raced another (or repeats after a lost answer, with
  // a new key) gets the customer that exists, and there is still one.
  Result<CustomerRecord> first = gateway_->CreateCustomer({"17", "Acme AG", "ap@acme.ch"}, "key-1");
  ASSERT_TRUE(first.done()) << first.error;
  Result<CustomerRecord> second = gateway_->CreateCustomer({"17", "Acme AG", "ap@acme.ch"}, "key-2");
  ASSERT_TRUE(second.done()) << second.error;
  EXPECT_EQ(second.value.id, first.value.id);
  EXPECT_EQ(second.value.external_id, "17");
  EXPECT_EQ(Account()["customers"].size(), 1u);
}

TEST_F(GatewayTest, RepeatWithTheSameKeyAnswersTheSameCustomer) {
  Result<CustomerRecord> first = gateway_->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  Result<CustomerRecord> again = gateway_->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  ASSERT_TRUE(first.done()) << first.error;
  ASSERT_TRUE(again.done()) << again.error;
  EXPECT_EQ(again.value.id, first.value.id);
  EXPECT_EQ(Account()["customers"].size(), 1u);
}

TEST_F(GatewayTest, InvalidCustomerIsPermanent) {
  Result<CustomerRecord> result = gateway_->CreateCustomer({"", "", ""}, "key-bad");
  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.error;
  EXPECT_EQ(result.http_status, 400);
  EXPECT_EQ(result.error_code, "invalid_request");
  EXPECT_THAT(result.error, HasSubstr("POST /v1/customers: 400 invalid_request: "));
}

// --- invoices

TEST_F(GatewayTest, CreatedInvoiceHasAWorkingPayNowUrl) {
  // BP-4: the answer carries a Pay Now URL, unique per invoice.
  CustomerRecord customer = Customer();
  InvoiceDocument document = Document(customer.id, "inv-1", 12050);
  Result<InvoiceRecord> created = gateway_->CreateInvoice(document, "key-inv-1");
  ASSERT_TRUE(created.done()) << created.error;
  EXPECT_THAT(created.value.id, ::testing::StartsWith("inv_"));
  EXPECT_EQ(created.value.customer_id, customer.id);
  EXPECT_EQ(created.value.external_id, "inv-1");
  EXPECT_EQ(created.value.number, "INV-inv-1");
  EXPECT_EQ(created.value.amount_minor, 12050);
  EXPECT_EQ(created.value.outstanding_minor, 12050);
  EXPECT_EQ(created.value.status, InvoiceStatus::kOpen);
  ASSERT_THAT(created.value.pay_now_url, ::testing::StartsWith("http"));

  std::string path = created.value.pay_now_url.substr(created.value.pay_now_url.find("/pay/"));
  testing::SandboxAnswer page = sandbox_.Call("GET", path);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("INV-inv-1"));

  // BP-1: the PDF arrived whole (the sandbox keeps its hash).
  json invoices = Account()["invoices"];
  ASSERT_EQ(invoices.size(), 1u);
  EXPECT_EQ(invoices[0]["pdf_sha256"], Sha256Hex(document.pdf));

  InvoiceRecord other = Invoice(customer.id, "inv-2");
  EXPECT_NE(other.pay_now_url, created.value.pay_now_url);
}

TEST_F(GatewayTest, SecondCreateOfAnInvoiceAnswersTheLiveOne) {
  CustomerRecord customer = Customer();
  Result<InvoiceRecord> first = gateway_->CreateInvoice(Document(customer.id, "inv-1"), "key-1");
  ASSERT_TRUE(first.done()) << first.error;
  Result<InvoiceRecord> second = gateway_->CreateInvoice(Document(customer.id, "inv-1"), "key-2");
  ASSERT_TRUE(second.done()) << second.error;
  EXPECT_EQ(second.value.id, first.value.id);
  EXPECT_EQ(second.value.pay_now_url, first.value.pay_now_url);
  EXPECT_EQ(Account()["invoices"].size(), 1u);
}

TEST_F(GatewayTest, UpdateKeepsThePayNowUrl) {
  // BP-11: a reissue sends the new amount, outstanding, number, date and PDF;
  // the original Pay Now URL keeps working.
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1", 10000);
  InvoiceUpdate update;
  update.number = "INV-1-R";
  update.invoice_date = "2026-03-01";
  update.due_date = "2026-03-31";
  update.amount_minor = 15000;
  update.outstanding_minor = 12000;
  update.pdf = "%PDF-1.7 reissued";
  Result<InvoiceRecord> updated = gateway_->UpdateInvoice(invoice.id, update, "key-update");
  ASSERT_TRUE(updated.done()) << updated.error;
  EXPECT_EQ(updated.value.id, invoice.id);
  EXPECT_EQ(updated.value.pay_now_url, invoice.pay_now_url);
  EXPECT_EQ(updated.value.number, "INV-1-R");
  EXPECT_EQ(updated.value.amount_minor, 15000);
  EXPECT_EQ(updated.value.outstanding_minor, 12000);

  json stored = Account()["invoices"][0];
  EXPECT_EQ(stored["invoice_date"], "2026-03-01");
  EXPECT_EQ(stored["due_date"], "2026-03-31");
  EXPECT_EQ(stored["pdf_sha256"], Sha256Hex("%PDF-1.7 reissued"));

  std::string path = invoice.pay_now_url.substr(invoice.pay_now_url.find("/pay/"));
  testing::SandboxAnswer page = sandbox_.Call("GET", path);
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("INV-1-R"));
}

TEST_F(GatewayTest, PartialUpdateChangesOnlyWhatIsSent) {
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1", 10000);
  InvoiceUpdate update;
  update.outstanding_minor = 0;
  Result<InvoiceRecord> updated = gateway_->UpdateInvoice(invoice.id, update, "key-update");
  ASSERT_TRUE(updated.done()) << updated.error;
  EXPECT_EQ(updated.value.outstanding_minor, 0);
  EXPECT_EQ(updated.value.amount_minor, 10000);
  EXPECT_EQ(updated.value.number, invoice.number);
  EXPECT_EQ(updated.value.status, InvoiceStatus::kPaid);
}

TEST_F(GatewayTest, DeleteThenDeleteAgainIsDone) {
  // BP-9: the record goes, its Pay Now URL stops working, and a repeat of the
  // delete (a retried outbox row) is done too.
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1");
  Result<bool> deleted = gateway_->DeleteInvoice(invoice.id, "key-delete-1");
  ASSERT_TRUE(deleted.done()) << deleted.error;
  EXPECT_TRUE(deleted.value);
  Result<bool> again = gateway_->DeleteInvoice(invoice.id, "key-delete-2");
  ASSERT_TRUE(again.done()) << again.error;
  EXPECT_FALSE(again.value);
  EXPECT_EQ(again.http_status, 404);

  std::string path = invoice.pay_now_url.substr(invoice.pay_now_url.find("/pay/"));
  EXPECT_EQ(sandbox_.Call("GET", path).status, 404);
  EXPECT_EQ(Account()["invoices"][0]["status"], "deleted");

  // An update of a deleted invoice is refused for good.
  InvoiceUpdate update;
  update.number = "X";
  Result<InvoiceRecord> updated = gateway_->UpdateInvoice(invoice.id, update, "key-update");
  EXPECT_EQ(updated.outcome, Outcome::kPermanent) << updated.error;
  EXPECT_EQ(updated.http_status, 404);

  // BP-9: the next finalize makes a new record with a new Pay Now URL.
  Result<InvoiceRecord> recreated = gateway_->CreateInvoice(Document(customer.id, "inv-1"), "key-refinalize");
  ASSERT_TRUE(recreated.done()) << recreated.error;
  EXPECT_NE(recreated.value.id, invoice.id);
  EXPECT_NE(recreated.value.pay_now_url, invoice.pay_now_url);
}

TEST_F(GatewayTest, EmptyIdsAreRefusedWithoutACall) {
  // DELETE /v1/invoices/ would 404 and read as "already gone".
  EXPECT_EQ(gateway_->DeleteInvoice("", "k").outcome, Outcome::kPermanent);
  EXPECT_EQ(gateway_->DeletePayment("", "k").outcome, Outcome::kPermanent);
  EXPECT_EQ(gateway_->UpdateInvoice("", InvoiceUpdate{}, "k").outcome, Outcome::kPermanent);
}

// --- payments

TEST_F(GatewayTest, ListsPaymentsPageByPage) {
  CustomerRecord customer = Customer();
  std::vector<InvoiceRecord> invoices = {Invoice(customer.id, "inv-1", 1000), Invoice(customer.id, "inv-2", 2000),
                                         Invoice(customer.id, "inv-3", 3000)};
  std::vector<std::string> paid;
  for (const InvoiceRecord& invoice : invoices) {
    json payment = sandbox_.Pay({{invoice.pay_now_url, std::nullopt}});
    ASSERT_TRUE(payment.is_object());
    paid.push_back(payment["id"]);
  }

  Result<PaymentPage> first = gateway_->ListPayments("", 2);
  ASSERT_TRUE(first.done()) << first.error;
  ASSERT_EQ(first.value.payments.size(), 2u);
  EXPECT_TRUE(first.value.has_more);
  EXPECT_EQ(first.value.payments[0].id, paid[0]);
  EXPECT_EQ(first.value.payments[1].id, paid[1]);
  const PaymentRecord& payment = first.value.payments[0];
  EXPECT_EQ(payment.customer_id, customer.id);
  EXPECT_EQ(payment.amount_minor, 1000);
  EXPECT_EQ(payment.currency, "CHF");
  EXPECT_EQ(payment.status, PaymentStatus::kSucceeded);
  EXPECT_EQ(payment.origin, PaymentOrigin::kPayer);
  EXPECT_EQ(payment.method, "card");
  EXPECT_EQ(payment.created_date.size(), 10u);
  ASSERT_EQ(payment.allocations.size(), 1u);
  EXPECT_EQ(payment.allocations[0].invoice_id, invoices[0].id);
  EXPECT_EQ(payment.allocations[0].amount_minor, 1000);

  Result<PaymentPage> second = gateway_->ListPayments(first.value.next_cursor, 2);
  ASSERT_TRUE(second.done()) << second.error;
  ASSERT_EQ(second.value.payments.size(), 1u);
  EXPECT_EQ(second.value.payments[0].id, paid[2]);
  EXPECT_FALSE(second.value.has_more);

  Result<PaymentPage> drained = gateway_->ListPayments(second.value.next_cursor, 2);
  ASSERT_TRUE(drained.done()) << drained.error;
  EXPECT_TRUE(drained.value.payments.empty());
  EXPECT_EQ(drained.value.next_cursor, second.value.next_cursor);

  // A reversal is a change: the payment comes again, reversed.
  ASSERT_TRUE(sandbox_.Reverse(paid[1], "chargeback").is_object());
  Result<PaymentPage> changed = gateway_->ListPayments(second.value.next_cursor, 2);
  ASSERT_TRUE(changed.done()) << changed.error;
  ASSERT_EQ(changed.value.payments.size(), 1u);
  EXPECT_EQ(changed.value.payments[0].id, paid[1]);
  EXPECT_EQ(changed.value.payments[0].status, PaymentStatus::kReversed);
  EXPECT_EQ(changed.value.payments[0].reversal_reason, "chargeback");
}

TEST_F(GatewayTest, OnePaymentForSeveralInvoicesListsEveryAllocation) {
  CustomerRecord customer = Customer();
  InvoiceRecord one = Invoice(customer.id, "inv-1", 1000);
  InvoiceRecord two = Invoice(customer.id, "inv-2", 2000);
  ASSERT_TRUE(sandbox_.Pay({{one.pay_now_url, std::nullopt}, {two.pay_now_url, 500}}).is_object());
  Result<PaymentPage> page = gateway_->ListPayments("", 10);
  ASSERT_TRUE(page.done()) << page.error;
  ASSERT_EQ(page.value.payments.size(), 1u);
  EXPECT_EQ(page.value.payments[0].amount_minor, 1500);
  ASSERT_EQ(page.value.payments[0].allocations.size(), 2u);
  EXPECT_EQ(page.value.payments[0].allocations[1].invoice_id, two.id);
  EXPECT_EQ(page.value.payments[0].allocations[1].amount_minor, 500);
}

TEST_F(GatewayTest, BadCursorIsPermanent) {
  Result<PaymentPage> page = gateway_->ListPayments("not a cursor&x=1", 10);
  EXPECT_EQ(page.outcome, Outcome::kPermanent) << page.error;
  EXPECT_EQ(page.http_status, 400);
}

TEST_F(GatewayTest, CreatesAndDeletesAPayment) {
  // BP-8: a prepayment applied to an invoice is made again in bill-pay, and
  // removed again when the invoice goes back to DRAFT; removing twice is done.
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1", 10000);
  Result<PaymentRecord> created =
      gateway_->CreatePayment({customer.id, invoice.id, "prepay-7", "CHF", 4000}, "key-pay");
  ASSERT_TRUE(created.done()) << created.error;
  EXPECT_THAT(created.value.id, ::testing::StartsWith("pay_"));
  EXPECT_EQ(created.value.origin, PaymentOrigin::kApi);
  EXPECT_EQ(created.value.external_id, "prepay-7");
  EXPECT_EQ(created.value.amount_minor, 4000);
  ASSERT_EQ(created.value.allocations.size(), 1u);
  EXPECT_EQ(created.value.allocations[0].invoice_id, invoice.id);
  EXPECT_EQ(Account()["invoices"][0]["outstanding"], 6000);

  Result<bool> deleted = gateway_->DeletePayment(created.value.id, "key-unpay-1");
  ASSERT_TRUE(deleted.done()) << deleted.error;
  EXPECT_TRUE(deleted.value);
  Result<bool> again = gateway_->DeletePayment(created.value.id, "key-unpay-2");
  ASSERT_TRUE(again.done()) << again.error;
  EXPECT_FALSE(again.value);

  Result<PaymentPage> page = gateway_->ListPayments("", 10);
  ASSERT_TRUE(page.done()) << page.error;
  ASSERT_EQ(page.value.payments.size(), 1u);
  EXPECT_EQ(page.value.payments[0].status, PaymentStatus::kDeleted);
}

TEST_F(GatewayTest, PaymentOnADeletedInvoiceIsPermanent) {
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1");
  ASSERT_TRUE(gateway_->DeleteInvoice(invoice.id, "key-delete").done());
  Result<PaymentRecord> created = gateway_->CreatePayment({customer.id, invoice.id, "p", "CHF", 100}, "key-pay");
  EXPECT_EQ(created.outcome, Outcome::kPermanent) << created.error;
  EXPECT_EQ(created.error_code, "invalid_state");
}

// --- faults

TEST_F(GatewayTest, ServerErrorsAreRetryableAndChangeNothing) {
  ASSERT_TRUE(sandbox_.SetFaults({{"error_rate", 1}}));
  Result<CustomerRecord> customer = gateway_->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  EXPECT_EQ(customer.outcome, Outcome::kRetryable) << customer.error;
  EXPECT_EQ(customer.http_status, 503);
  EXPECT_EQ(customer.error_code, "unavailable");
  EXPECT_THAT(customer.error, HasSubstr("POST /v1/customers: 503 unavailable: "));
  EXPECT_EQ(gateway_->ListPayments("", 10).outcome, Outcome::kRetryable);
  EXPECT_EQ(gateway_->DeleteInvoice("inv_x", "key-2").outcome, Outcome::kRetryable);

  ASSERT_TRUE(sandbox_.SetFaults({{"error_rate", 0}}));
  EXPECT_TRUE(Account()["customers"].empty());
  // Nothing was stored under the key either: the repeat really creates.
  Result<CustomerRecord> repeat = gateway_->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  ASSERT_TRUE(repeat.done()) << repeat.error;
  EXPECT_EQ(repeat.http_status, 201);
}

TEST_F(GatewayTest, TimeoutAfterCommitIsUnknownAndTheRepeatTells) {
  CustomerRecord customer = Customer();
  GatewayOptions impatient;
  impatient.total_timeout_ms = 300;
  std::unique_ptr<BillPayGateway> gateway = Gateway(sandbox_.base_url(), account_.api_key, impatient);
  ASSERT_TRUE(sandbox_.SetFaults({{"timeout_after_commit_rate", 1}, {"hang_ms", 1500}}));

  Result<InvoiceRecord> lost = gateway->CreateInvoice(Document(customer.id, "inv-1"), "key-inv-1");
  EXPECT_EQ(lost.outcome, Outcome::kUnknown) << lost.error;
  EXPECT_EQ(lost.http_status, 0);
  EXPECT_THAT(lost.error, HasSubstr("POST /v1/invoices: no answer: "));

  // The repeat, with the same key and a patient gateway, tells what happened.
  ASSERT_TRUE(sandbox_.SetFaults({{"timeout_after_commit_rate", 0}}));
  Result<InvoiceRecord> repeat = gateway_->CreateInvoice(Document(customer.id, "inv-1"), "key-inv-1");
  ASSERT_TRUE(repeat.done()) << repeat.error;
  json invoices = Account()["invoices"];
  ASSERT_EQ(invoices.size(), 1u);  // the lost call made it; the repeat made no second one
  EXPECT_EQ(invoices[0]["id"], repeat.value.id);
  EXPECT_EQ(invoices[0]["pay_now_url"], repeat.value.pay_now_url);
}

TEST_F(GatewayTest, ClosedPortIsRetryable) {
  std::unique_ptr<BillPayGateway> gateway = Gateway("http://127.0.0.1:" + std::to_string(ClosedPort()), "key");
  Result<InvoiceRecord> result = gateway->CreateInvoice(Document("cus_1", "inv-1"), "key-1");
  EXPECT_EQ(result.outcome, Outcome::kRetryable) << result.error;
  EXPECT_EQ(result.http_status, 0);
  EXPECT_THAT(result.error, HasSubstr("POST /v1/invoices: not sent: "));
  EXPECT_EQ(gateway->DeleteInvoice("inv_1", "key-2").outcome, Outcome::kRetryable);
}

TEST_F(GatewayTest, WrongKeyIsPermanentAndNeverShown) {
  const std::string wrong_key = account_.api_key + "-wrong";
  std::unique_ptr<BillPayGateway> gateway = Gateway(sandbox_.base_url(), wrong_key);
  Result<CustomerRecord> result = gateway->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.error;
  EXPECT_EQ(result.http_status, 401);
  EXPECT_EQ(result.error_code, "unauthorized");
  EXPECT_THAT(result.error, Not(HasSubstr(wrong_key)));
  EXPECT_THAT(result.error, Not(HasSubstr(account_.api_key)));
  EXPECT_TRUE(Account()["customers"].empty());
}

TEST_F(GatewayTest, ObjectsOfAnotherAccountAreNotFound) {
  // BP-6: one account never reaches another's records.
  CustomerRecord customer = Customer();
  InvoiceRecord invoice = Invoice(customer.id, "inv-1");
  SandboxAccount other = sandbox_.CreateAccount("Other Co");
  std::unique_ptr<BillPayGateway> gateway = Gateway(sandbox_.base_url(), other.api_key);
  InvoiceUpdate update;
  update.number = "MINE";
  Result<InvoiceRecord> result = gateway->UpdateInvoice(invoice.id, update, "key-1");
  EXPECT_EQ(result.outcome, Outcome::kPermanent) << result.error;
  EXPECT_EQ(result.http_status, 404);
  Result<std::optional<CustomerRecord>> found = gateway->FindCustomer(customer.external_id);
  ASSERT_TRUE(found.done()) << found.error;
  EXPECT_FALSE(found.value.has_value());
}

TEST_F(GatewayTest, HttpsToAPlainHttpPortFails) {
  std::unique_ptr<BillPayGateway> gateway =
      Gateway("https://127.0.0.1:" + std::to_string(sandbox_.port()), account_.api_key);
  Result<CustomerRecord> result = gateway->CreateCustomer({"17", "Acme AG", ""}, "key-1");
  EXPECT_FALSE(result.done());
  EXPECT_EQ(result.outcome, Outcome::kRetryable) << result.error;  // the handshake failed: no request left
  EXPECT_EQ(result.http_status, 0);
  EXPECT_THAT(result.error, Not(HasSubstr(account_.api_key)));
  EXPECT_TRUE(Account()["customers"].empty());
}

TEST_F(GatewayTest, OneGatewayServesSeveralThreads) {
  constexpr int kThreads = 8;
  std::vector<Result<CustomerRecord>> results(kThreads);
  testing::RunConcurrently(kThreads, [&](int i) {
    for (int round = 0; round < 3; ++round) {
      std::string external_id = "c" + std::to_string(i) + "-" + std::to_string(round);
      results[i] = gateway_->CreateCustomer({external_id, "N", ""}, "key-" + external_id);
      if (!results[i].done()) return;
    }
  });
  std::set<std::string> ids;
  for (const Result<CustomerRecord>& result : results) {
    EXPECT_TRUE(result.done()) << result.error;
    ids.insert(result.value.id);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(Account()["customers"].size(), static_cast<size_t>(kThreads * 3));
}

TEST_F(GatewayTest, SurvivesASandboxRestart) {
  // The gateway's kept-alive connection dies with the sandbox; while it is
  // down calls are retryable, and once it is back (same port, same state
  // file) the same gateway object reconnects and finds what was there.
  CustomerRecord customer = Customer();
  sandbox_.Kill();
  Result<std::optional<CustomerRecord>> down = gateway_->FindCustomer(customer.external_id);
  EXPECT_EQ(down.outcome, Outcome::kRetryable) << down.error;

  ASSERT_TRUE(sandbox_.Restart());
  Result<std::optional<CustomerRecord>> back = gateway_->FindCustomer(customer.external_id);
  ASSERT_TRUE(back.done()) << back.error;
  ASSERT_TRUE(back.value.has_value());
  EXPECT_EQ(back.value->id, customer.id);

  // A restart while the connection is open and idle works the same.
  ASSERT_TRUE(sandbox_.Restart());
  EXPECT_TRUE(gateway_->FindCustomer(customer.external_id).done());
}

// --- transport failures the sandbox cannot make

// A TCP server on 127.0.0.1 that reads one request and then closes the
// connection without answering: abruptly (reset) or cleanly (empty reply).
class SilentServer {
 public:
  explicit SilentServer(bool reset) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listen_fd_, 4);
    socklen_t size = sizeof address;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, reset] {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      requests_ = request.empty() ? 0 : 1;
      if (reset) {
        linger hard{1, 0};  // close with RST
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      }
      close(fd);
    });
  }
  ~SilentServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST(GatewayTransportTest, EmptyReplyIsUnknown) {
  SilentServer server(/*reset=*/false);
  HttpBillPayGateway gateway({"http://127.0.0.1:" + std::to_string(server.port()), "key"}, {});
  Result<InvoiceRecord> result = gateway.CreateInvoice(InvoiceDocument{}, "key-1");
  EXPECT_EQ(result.outcome, Outcome::kUnknown) << result.error;
  EXPECT_THAT(result.error, HasSubstr("POST /v1/invoices: no answer: "));
}

TEST(GatewayTransportTest, ResetConnectionIsUnknown) {
  SilentServer server(/*reset=*/true);
  HttpBillPayGateway gateway({"http://127.0.0.1:" + std::to_string(server.port()), "key"}, {});
  Result<bool> result = gateway.DeleteInvoice("inv_1", "key-1");
  EXPECT_EQ(result.outcome, Outcome::kUnknown) << result.error;
}

// An HTTP server on 127.0.0.1 that notes every request it gets and answers
// each with `answer`, to see what goes over the wire.
class RecordingServer {
 public:
  struct Seen {
    std::string method;
    std::string target;  // path and query, as sent
    httplib::Headers headers;
    std::string body;
    int client_port = 0;
  };

  explicit RecordingServer(std::string answer) : answer_(std::move(answer)) {
    server_.set_keep_alive_max_count(100);
    auto note = [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back({request.method, request.target, request.headers, request.body, request.remote_port});
      response.set_content(answer_, "application/json");
    };
    server_.Get(".*", note);
    server_.Post(".*", note);
    server_.Put(".*", note);
    server_.Delete(".*", note);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  std::string answer_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

std::string Header(const httplib::Headers& headers, const std::string& name) {
  auto it = headers.find(name);  // httplib compares header names case-blind
  return it == headers.end() ? "" : it->second;
}

TEST(GatewayWireTest, SendsTheKeyEverywhereAndAnIdempotencyKeyOnEveryChange) {
  RecordingServer server("{}");
  HttpBillPayGateway gateway({server.base_url() + "/", "sk_wire"}, {});
  gateway.ListPayments("", 5);
  gateway.FindCustomer("x");
  gateway.CreateInvoice(InvoiceDocument{}, "k-post");
  gateway.UpdateInvoice("inv_1", InvoiceUpdate{}, "k-put");
  gateway.DeleteInvoice("inv_1", "k-delete");
  gateway.CreatePayment(NewPayment{}, "k-pay");
  gateway.DeletePayment("pay_1", "k-unpay");
  std::vector<RecordingServer::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 7u);
  for (const RecordingServer::Seen& request : seen) {
    EXPECT_EQ(Header(request.headers, "Authorization"), "Bearer sk_wire") << request.method << " " << request.target;
    bool changes = request.method != "GET";
    EXPECT_EQ(Header(request.headers, "Idempotency-Key").empty(), !changes) << request.method;
    if (changes && request.method != "DELETE") {
      EXPECT_EQ(Header(request.headers, "Content-Type"), "application/json") << request.method;
    }
  }
  EXPECT_EQ(seen[0].target, "/v1/payments?limit=5");  // no "after" on the first page
  EXPECT_EQ(seen[2].method, "POST");
  EXPECT_EQ(Header(seen[2].headers, "Idempotency-Key"), "k-post");
  EXPECT_EQ(seen[3].method, "PUT");
  EXPECT_EQ(seen[3].target, "/v1/invoices/inv_1");
  EXPECT_EQ(seen[3].body, "{}");
  EXPECT_EQ(seen[4].method, "DELETE");
  EXPECT_EQ(seen[4].target, "/v1/invoices/inv_1");
  EXPECT_EQ(seen[6].target, "/v1/payments/pay_1");
}

TEST(GatewayWireTest, EncodesCursorsAndExternalIds) {
  RecordingServer server(R"({"data": [], "next_cursor": "", "has_more": false})");
  HttpBillPayGateway gateway({server.base_url(), "key"}, {});
  gateway.ListPayments("a b&c=d/é", 100);
  gateway.FindCustomer("17&limit=1#x");
  std::vector<RecordingServer::Seen> seen = server.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/v1/payments?after=a%20b%26c%3Dd%2F%C3%A9&limit=100");
  EXPECT_EQ(seen[1].target, "/v1/customers?external_id=17%26limit%3D1%23x");
}

TEST(GatewayWireTest, ReusesItsConnection) {
  // Keep-alive: one gateway, one connection, call after call.
  RecordingServer server(R"({"data": [], "next_cursor": "", "has_more": false})");
  HttpBillPayGateway gateway({server.base_url(), "key"}, {});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(gateway.ListPayments("", 10).done());
  std::set<int> client_ports;
  for (const RecordingServer::Seen& request : server.seen()) client_ports.insert(request.client_port);
  EXPECT_EQ(client_ports.size(), 1u);
}

TEST(GatewayWebhookTest, ReadsTheSandboxsWebhookBodies) {
  // The transformer reads what the sandbox really sends, not only what the
  // contract's example shows.
  RecordingServer receiver("{}");
  SandboxProcess sandbox;
  ASSERT_TRUE(sandbox.ready());
  SandboxAccount account = sandbox.CreateAccount("Hooked", receiver.base_url() + "/billpay/webhook");
  HttpBillPayGateway gateway({sandbox.base_url(), account.api_key}, {});
  Result<CustomerRecord> customer = gateway.CreateCustomer({"17", "Acme AG", ""}, "key-customer");
  ASSERT_TRUE(customer.done()) << customer.error;
  Result<InvoiceRecord> invoice = gateway.CreateInvoice(
      {customer.value.id, "inv-1", "INV-1", "2026-01-05", "2026-02-04", "CHF", 5000, 5000, "%PDF"}, "key-invoice");
  ASSERT_TRUE(invoice.done()) << invoice.error;
  json paid = sandbox.Pay({{invoice.value.pay_now_url, 2000}});
  ASSERT_TRUE(paid.is_object());
  ASSERT_TRUE(sandbox.Reverse(paid["id"], "refund").is_object());

  // Delivery is asynchronous: wait (bounded) for both events.
  std::vector<RecordingServer::Seen> seen;
  for (int attempt = 0; attempt < 500 && seen.size() < 2; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    seen = receiver.seen();
  }
  ASSERT_EQ(seen.size(), 2u) << sandbox.LogForDiagnostics();
  std::map<std::string, WebhookEvent> by_type;
  for (const RecordingServer::Seen& delivery : seen) {
    EXPECT_EQ(delivery.target, "/billpay/webhook");
    absl::StatusOr<WebhookEvent> event = ParseWebhookEvent(delivery.body);
    ASSERT_TRUE(event.ok()) << event.status() << "\n" << delivery.body;
    EXPECT_THAT(event->id, ::testing::StartsWith("evt_"));
    EXPECT_GT(event->created_unix, 0);
    by_type[event->type] = *event;
  }
  ASSERT_TRUE(by_type.contains("payment.succeeded"));
  ASSERT_TRUE(by_type.contains("payment.reversed"));
  const PaymentRecord& payment = by_type["payment.succeeded"].payment;
  EXPECT_EQ(payment.id, paid["id"]);
  EXPECT_EQ(payment.customer_id, customer.value.id);
  EXPECT_EQ(payment.amount_minor, 2000);
  EXPECT_EQ(payment.status, PaymentStatus::kSucceeded);
  ASSERT_EQ(payment.allocations.size(), 1u);
  EXPECT_EQ(payment.allocations[0].invoice_id, invoice.value.id);
  const PaymentRecord& reversed = by_type["payment.reversed"].payment;
  EXPECT_EQ(reversed.id, paid["id"]);
  EXPECT_EQ(reversed.status, PaymentStatus::kReversed);
  EXPECT_EQ(reversed.reversal_reason, "refund");
  EXPECT_NE(by_type["payment.succeeded"].id, by_type["payment.reversed"].id);
}

// A certificate for 127.0.0.1 that nobody vouches for.
struct SelfSigned {
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

TEST(GatewayTransportTest, UntrustedCertificateIsRefused) {
  // TLS peers are verified: a server with a self-signed certificate never
  // sees the request (nor the key).
  SelfSigned identity;
  httplib::SSLServer server(identity.cert, identity.key);
  ASSERT_TRUE(server.is_valid());
  std::atomic<int> requests{0};
  server.Get(".*", [&](const httplib::Request&, httplib::Response& response) {
    ++requests;
    response.set_content(R"({"data": [], "next_cursor": "0", "has_more": false})", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  // Bound means listening: the gateway's connection waits in the backlog.
  std::thread listener([&] { server.listen_after_bind(); });

  HttpBillPayGateway gateway({"https://127.0.0.1:" + std::to_string(port), "secret-key"}, {});
  Result<PaymentPage> result = gateway.ListPayments("", 10);
  server.stop();
  listener.join();
  EXPECT_FALSE(result.done());
  EXPECT_EQ(result.outcome, Outcome::kRetryable) << result.error;
  EXPECT_EQ(requests.load(), 0);
  EXPECT_THAT(result.error, Not(HasSubstr("secret-key")));
}

TEST(GatewayTransportTest, BadBaseUrlIsPermanent) {
  HttpBillPayGateway gateway({"ftp://127.0.0.1:1", "key"}, {});
  EXPECT_EQ(gateway.ListPayments("", 10).outcome, Outcome::kPermanent);
}

}  // namespace
}  // namespace invoicehub::billpay
