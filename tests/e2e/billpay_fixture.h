#pragma once
// E2e tests of the bill-pay integration: the real server, the real
// billpay-sandbox and the real database. Each test gets a company linked to
// a sandbox account of its own whose webhooks come to the server's HTTP
// listener.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sandbox_process.h"

namespace invoicehub::e2e {

class BillPayTest : public CompanyWithClerkTest {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  void TearDown() override;

  static testing::SandboxProcess& sandbox() { return *sandbox_; }

  // A new sandbox account linked to `company_id` (SyncService, ADMIN key).
  static testing::SandboxAccount LinkBillPay(const std::string& admin_key, const std::string& company_id);
  // The server's webhook URL for a company.
  static std::string WebhookUrl(const std::string& company_id);

  // Polls until `done` holds (true) or `timeout` passes (false).
  static bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The invoice once bill-pay has all its events (sync state SYNCED); a
  // test failure listing its sync events if that does not come.
  v1::Invoice WaitSynced(const std::string& invoice_id) const;
  // Every outbox event of the company (SyncService.ListSyncEvents), one per
  // line, for failure messages.
  std::string SyncEventsText(const std::string& invoice_id = "") const;
  // Waits until the company's sync events are all SYNCED.
  bool WaitAllSynced(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // The sandbox's view of this test's account (or `account_id`'s).
  nlohmann::json AccountState(const std::string& account_id = "") const;
  // Its invoices with `external_id` (our invoice id), deleted ones included.
  std::vector<nlohmann::json> SandboxInvoices(const std::string& external_id,
                                              const std::string& account_id = "") const;
  // The live one; null when there is none.
  nlohmann::json LiveSandboxInvoice(const std::string& external_id, const std::string& account_id = "") const;
  std::vector<nlohmann::json> SandboxPayments(const std::string& account_id = "") const;

  // The payer pays these invoices (all due) with one payment through their
  // Pay Now URLs; the sandbox payment.
  nlohmann::json PayInSandbox(const std::vector<v1::Invoice>& invoices);
  // Our payments of the company (PaymentService.ListPayments).
  std::vector<v1::Payment> OurPayments() const;
  // The invoice's PDF as GetInvoicePdf streams it, and its text.
  std::string InvoicePdf(const std::string& invoice_id) const;
  static std::string PdfText(const std::string& pdf);

  testing::SandboxAccount account_;

 private:
  static std::unique_ptr<testing::SandboxProcess> sandbox_;
};

}  // namespace invoicehub::e2e
