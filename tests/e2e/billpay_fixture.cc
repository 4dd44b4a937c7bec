#include "tests/e2e/billpay_fixture.h"

#include <iostream>
#include <thread>

#include "tests/support/poppler_reader.h"

namespace invoicehub::e2e {

std::unique_ptr<testing::SandboxProcess> BillPayTest::sandbox_;

void BillPayTest::SetUpTestSuite() {
  E2eTest::SetUpTestSuite();
  if (sandbox_ == nullptr) sandbox_ = std::make_unique<testing::SandboxProcess>();
}

void BillPayTest::TearDownTestSuite() {
  sandbox_.reset();
  E2eTest::TearDownTestSuite();
}

void BillPayTest::SetUp() {
  CompanyWithClerkTest::SetUp();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(sandbox_ != nullptr && sandbox_->ready()) << "the suite's sandbox did not start";
  account_ = LinkBillPay(admin_, company_.company().id());
}

void BillPayTest::TearDown() {
  if (HasFailure() && sandbox_ != nullptr) std::cerr << sandbox_->LogForDiagnostics();
  CompanyWithClerkTest::TearDown();
}

std::string BillPayTest::WebhookUrl(const std::string& company_id) {
  return "http://127.0.0.1:" + std::to_string(server().process.http_port()) + "/webhooks/billpay/" + company_id;
}

testing::SandboxAccount BillPayTest::LinkBillPay(const std::string& admin_key, const std::string& company_id) {
  testing::SandboxAccount account = sandbox().CreateAccount(Unique("account"), WebhookUrl(company_id));
  v1::SetBillPayAccountRequest request;
  request.set_base_url(sandbox().base_url());
  request.set_api_key(account.api_key);
  request.set_webhook_secret(account.webhook_secret);
  request.set_enabled(true);
  v1::BillPayAccount response;
  grpc::Status status = api().sync().SetBillPayAccount(ApiClient::Context(admin_key).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "SetBillPayAccount: " << StatusText(status);
  return account;
}

bool BillPayTest::WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

v1::Invoice BillPayTest::WaitSynced(const std::string& invoice_id) const {
  v1::Invoice invoice;
  bool synced = WaitFor([&] {
    invoice = Get(invoice_id);
    return invoice.sync_state() == v1::INVOICE_SYNC_STATE_SYNCED;
  });
  EXPECT_TRUE(synced) << "invoice " << invoice_id << " is " << v1::InvoiceSyncState_Name(invoice.sync_state())
                      << " (" << invoice.sync_error() << ")\n"
                      << SyncEventsText(invoice_id);
  return invoice;
}

std::string BillPayTest::SyncEventsText(const std::string& invoice_id) const {
  v1::ListSyncEventsRequest request;
  request.set_invoice_id(invoice_id);
  std::string text;
  for (const v1::SyncEvent& event :
       AllPages(api().sync(), &v1::SyncService::Stub::ListSyncEvents, &v1::ListSyncEventsResponse::events, admin_,
                request)) {
    text += "  sync event " + event.id() + " " + event.action() + " invoice=" + event.invoice_id() +
            " payment=" + event.payment_id() + " " + v1::SyncEventState_Name(event.state()) +
            " attempts=" + std::to_string(event.attempts()) + " result=" + event.result() +
            " error=" + event.last_error() + "\n";
  }
  return text;
}

bool BillPayTest::WaitAllSynced(std::chrono::milliseconds timeout) const {
  return WaitFor(
      [&] {
        v1::ListSyncEventsRequest request;
        request.set_state(v1::SYNC_EVENT_STATE_PENDING);
        v1::ListSyncEventsResponse pending;
        grpc::Status status = api().sync().ListSyncEvents(ApiClient::Context(admin_).get(), request, &pending);
        request.set_state(v1::SYNC_EVENT_STATE_FAILED);
        v1::ListSyncEventsResponse failed;
        grpc::Status failed_status = api().sync().ListSyncEvents(ApiClient::Context(admin_).get(), request, &failed);
        return status.ok() && failed_status.ok() && pending.events().empty() && failed.events().empty();
      },
      timeout);
}

nlohmann::json BillPayTest::AccountState(const std::string& account_id) const {
  const std::string& wanted = account_id.empty() ? account_.account_id : account_id;
  nlohmann::json state = sandbox().State();
  for (const nlohmann::json& account : state.value("accounts", nlohmann::json::array()))
    if (account.value("account_id", "") == wanted) return account;
  ADD_FAILURE() << "the sandbox has no account " << wanted;
  return nlohmann::json::object();
}

std::vector<nlohmann::json> BillPayTest::SandboxInvoices(const std::string& external_id,
                                                         const std::string& account_id) const {
  std::vector<nlohmann::json> found;
  for (const nlohmann::json& invoice : AccountState(account_id).value("invoices", nlohmann::json::array()))
    if (invoice.value("external_id", "") == external_id) found.push_back(invoice);
  return found;
}

nlohmann::json BillPayTest::LiveSandboxInvoice(const std::string& external_id, const std::string& account_id) const {
  for (const nlohmann::json& invoice : SandboxInvoices(external_id, account_id))
    if (invoice.value("status", "") != "deleted") return invoice;
  return nullptr;
}

std::vector<nlohmann::json> BillPayTest::SandboxPayments(const std::string& account_id) const {
  std::vector<nlohmann::json> payments;
  for (const nlohmann::json& payment : AccountState(account_id).value("payments", nlohmann::json::array()))
    payments.push_back(payment);
  return payments;
}

nlohmann::json BillPayTest::PayInSandbox(const std::vector<v1::Invoice>& invoices) {
  std::vector<testing::SandboxPayItem> items;
  for (const v1::Invoice& invoice : invoices) items.push_back({invoice.pay_now_url(), std::nullopt});
  return sandbox().Pay(items);
}

std::vector<v1::Payment> BillPayTest::OurPayments() const {
  return AllPages(api().payments(), &v1::PaymentService::Stub::ListPayments, &v1::ListPaymentsResponse::payments,
                  clerk_, v1::ListPaymentsRequest());
}

std::string BillPayTest::InvoicePdf(const std::string& invoice_id) const {
  v1::GetInvoicePdfRequest request;
  request.set_invoice_id(invoice_id);
  auto context = ApiClient::Context(clerk_);
  auto reader = api().invoices().GetInvoicePdf(context.get(), request);
  std::string pdf;
  v1::FileChunk chunk;
  while (reader->Read(&chunk)) pdf += chunk.data();
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << "GetInvoicePdf: " << StatusText(status);
  return pdf;
}

std::string BillPayTest::PdfText(const std::string& pdf) {
  absl::StatusOr<std::string> text = pdf::test::PdfText(pdf);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.value_or("");
}

}  // namespace invoicehub::e2e
