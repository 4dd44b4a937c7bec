// Bill-pay end to end: the real server, the real billpay-sandbox, the real
// database. Each test names the rule of DOMAIN.md it proves, and checks
// both sides: what Invoicehub says and what the sandbox holds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/billpay_fixture.h"
#include "tests/support/sha256_hex.h"

namespace invoicehub::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class BillPayFlowTest : public BillPayTest {
 protected:
  // A FINAL invoice of the test's customer, once bill-pay has it.
  v1::Invoice SentInvoice() { return WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id()); }

  // Our payment recorded from the sandbox payment `billpay_id`, once the
  // webhook (or the import) brought it.
  v1::Payment ImportedPayment(const std::string& billpay_id) {
    v1::Payment found;
    bool arrived = WaitFor([&] {
      for (const v1::Payment& payment : OurPayments())
        if (payment.reference() == billpay_id) found = payment;
      return !found.id().empty();
    });
    EXPECT_TRUE(arrived) << "no payment with reference " << billpay_id;
    return found;
  }

  nlohmann::json SandboxPayment(const std::string& billpay_id) {
    for (const nlohmann::json& payment : SandboxPayments())
      if (payment.value("id", "") == billpay_id) return payment;
    return nullptr;
  }

  // From now on the sandbox's webhooks go nowhere (port 1 refuses).
  void LoseWebhooks() {
    ASSERT_EQ(sandbox()
                  .Call("PUT", "/sandbox/accounts/" + account_.account_id,
                        R"({"webhook_url": "http://127.0.0.1:1/lost"})")
                  .status,
              200);
  }

  bool SandboxPaymentStatusIs(const std::string& billpay_id, const std::string& status) {
    return WaitFor([&] {
      nlohmann::json payment = SandboxPayment(billpay_id);
      return !payment.is_null() && payment.value("status", "") == status;
    });
  }
};

// BP-1, BP-4: a FINAL invoice reaches bill-pay with customer, number, date,
// outstanding and its PDF, and comes back with a Pay Now URL that GetInvoice,
// the email and the PDF all show.
TEST_F(BillPayFlowTest, FinalInvoiceIsSentWithItsPdfAndGetsAPayNowUrl) {
  v1::Invoice invoice = SentInvoice();
  ASSERT_THAT(invoice.pay_now_url(), HasSubstr(sandbox().base_url() + "/pay/"));
  nlohmann::json record = LiveSandboxInvoice(invoice.id());
  ASSERT_FALSE(record.is_null());
  EXPECT_EQ(record.value("number", ""), invoice.number());
  EXPECT_EQ(record.value("invoice_date", ""), DateText(invoice.issue_date()));
  EXPECT_EQ(record.value("outstanding", int64_t{-1}), invoice.outstanding().minor_units());
  EXPECT_EQ(record.value("amount", int64_t{-1}), invoice.total().minor_units());
  EXPECT_EQ(record.value("currency", ""), "CHF");
  EXPECT_EQ(record.value("pay_now_url", ""), invoice.pay_now_url());
  nlohmann::json customers = AccountState().value("customers", nlohmann::json::array());
  ASSERT_THAT(customers, SizeIs(1));
  EXPECT_EQ(customers[0].value("external_id", ""), customer_.id());
  EXPECT_EQ(customers[0].value("id", ""), record.value("customer_id", ""));

  // BP-4: the email and the stored PDF carry the URL.
  v1::RenderInvoiceEmailRequest email_request;
  email_request.set_invoice_id(invoice.id());
  v1::InvoiceEmail email;
  ASSERT_TRUE(api().invoices().RenderInvoiceEmail(ApiClient::Context(clerk_).get(), email_request, &email).ok());
  EXPECT_THAT(email.body(), HasSubstr(invoice.pay_now_url()));
  EXPECT_THAT(PdfText(InvoicePdf(invoice.id())), HasSubstr(invoice.pay_now_url()));

  // The Pay Now page shows the amount due.
  testing::SandboxAnswer page = sandbox().Call("GET", invoice.pay_now_url().substr(sandbox().base_url().size()));
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr(invoice.number()));
}

// BP-1, BP-5: what bill-pay got is the invoice's own PDF as finalized, never
// a backup attachment.
TEST_F(BillPayFlowTest, TheSentPdfIsTheInvoiceAndNeverItsAttachments) {
  v1::Invoice draft = NewInvoice(clerk_, customer_.id());
  v1::AddInvoiceAttachmentRequest attachment;
  attachment.set_invoice_id(draft.id());
  attachment.set_file_name("timesheet.pdf");
  attachment.set_content_type("application/pdf");
  attachment.set_content("%PDF-1.4 backup timesheet only for the customer");
  v1::InvoiceAttachment stored;
  ASSERT_TRUE(api().invoices().AddInvoiceAttachment(ApiClient::Context(clerk_).get(), attachment, &stored).ok());
  v1::Invoice invoice = WaitSynced(Moved(draft, Move::kFinalize).id());
  nlohmann::json record = LiveSandboxInvoice(invoice.id());
  ASSERT_FALSE(record.is_null());
  std::string sent_sha = record.value("pdf_sha256", "");
  EXPECT_NE(sent_sha, invoicehub::testing::Sha256Hex(attachment.content()));
  // The first revision (before the URL came back) is what bill-pay got.
  EXPECT_EQ(Count("SELECT count(*) FROM invoice_pdfs" + Where() + " AND invoice_id = " + invoice.id() +
                  " AND sha256 = '" + sent_sha + "'"),
            1);
  EXPECT_THAT(sandbox().State().dump(), Not(HasSubstr("backup timesheet")));
}

// BP-2: a zero invoice is not sent.
TEST_F(BillPayFlowTest, AZeroInvoiceIsNotSent) {
  v1::Invoice invoice = NewFinalInvoice(clerk_, customer_.id(), {Line("Goodwill", "1", 0)});
  EXPECT_TRUE(invoice.nothing_to_send());
  ASSERT_TRUE(WaitAllSynced());
  EXPECT_THAT(SandboxInvoices(invoice.id()), IsEmpty());
  EXPECT_EQ(Get(invoice.id()).pay_now_url(), "");
}

// BP-3: the customer is created in bill-pay once for all its invoices.
TEST_F(BillPayFlowTest, TheCustomerIsCreatedOnceForAllItsInvoices) {
  std::vector<v1::Invoice> invoices;
  for (int i = 0; i < 4; ++i) invoices.push_back(NewFinalInvoice(clerk_, customer_.id()));
  for (const v1::Invoice& invoice : invoices) WaitSynced(invoice.id());
  nlohmann::json customers = AccountState().value("customers", nlohmann::json::array());
  EXPECT_THAT(customers, SizeIs(1));
}

// The seed's first flow. BP-12: the payer's payment comes back by webhook
// and is applied once. BP-7, BP-8: a reissue imports first, the payment
// becomes a prepayment and leaves bill-pay. BP-11: refinalized, the same
// URL works and bill-pay has the new amount.
TEST_F(BillPayFlowTest, PaidThenReissuedThenFinalKeepsThePayNowUrl) {
  v1::Invoice invoice = SentInvoice();
  std::string url = invoice.pay_now_url();
  nlohmann::json paid = PayInSandbox({invoice});
  std::string billpay_id = paid.value("id", "");
  v1::Payment payment = ImportedPayment(billpay_id);
  EXPECT_EQ(payment.amount().minor_units(), invoice.outstanding().minor_units());
  ASSERT_TRUE(WaitFor([&] { return Get(invoice.id()).outstanding().minor_units() == 0; }));

  v1::Invoice reissued = Moved(Get(invoice.id()), Move::kReissue);
  EXPECT_EQ(reissued.outstanding().minor_units(), reissued.total().minor_units());
  EXPECT_EQ(GetPayment(clerk_, payment.id()).unapplied().minor_units(), payment.amount().minor_units());  // BP-8
  EXPECT_TRUE(SandboxPaymentStatusIs(billpay_id, "deleted")) << SyncEventsText();

  v1::UpdateInvoiceRequest edit;
  edit.set_invoice_id(reissued.id());
  edit.set_version(reissued.version());
  *edit.add_lines() = Line("Consulting, corrected", "2", 15000);
  edit.mutable_update_mask()->add_paths("lines");
  v1::Invoice edited;
  ASSERT_TRUE(api().invoices().UpdateInvoice(ApiClient::Context(clerk_).get(), edit, &edited).ok());
  v1::Invoice refinal = WaitSynced(Moved(edited, Move::kFinalize).id());
  EXPECT_EQ(refinal.pay_now_url(), url);  // BP-11
  nlohmann::json record = LiveSandboxInvoice(invoice.id());
  ASSERT_FALSE(record.is_null());
  EXPECT_EQ(record.value("pay_now_url", ""), url);
  EXPECT_EQ(record.value("amount", int64_t{-1}), refinal.total().minor_units());
  EXPECT_EQ(record.value("outstanding", int64_t{-1}), refinal.outstanding().minor_units());
  EXPECT_THAT(SandboxInvoices(invoice.id()), SizeIs(1));
  EXPECT_THAT(CheckLedger(admin_).differences(), IsEmpty());
}

// BP-9: back to DRAFT deletes the bill-pay record (its URL stops working);
// the next finalize makes a new record with a new URL.
TEST_F(BillPayFlowTest, DraftThenFinalGetsANewPayNowUrl) {
  v1::Invoice invoice = SentInvoice();
  std::string old_url = invoice.pay_now_url();
  v1::Invoice draft = Moved(invoice, Move::kRevertToDraft);
  EXPECT_EQ(draft.pay_now_url(), "");
  ASSERT_TRUE(WaitFor([&] { return LiveSandboxInvoice(invoice.id()).is_null(); })) << SyncEventsText();
  EXPECT_EQ(sandbox().Call("GET", old_url.substr(sandbox().base_url().size())).status, 404);

  v1::Invoice final_again = WaitSynced(Moved(Get(invoice.id()), Move::kFinalize).id());
  EXPECT_FALSE(final_again.pay_now_url().empty());
  EXPECT_NE(final_again.pay_now_url(), old_url);
  EXPECT_EQ(final_again.number(), invoice.number());
  EXPECT_THAT(SandboxInvoices(invoice.id()), SizeIs(2));
  EXPECT_EQ(LiveSandboxInvoice(invoice.id()).value("pay_now_url", ""), final_again.pay_now_url());
}

// BP-10: a payment over two invoices leaves bill-pay only once both are back.
TEST_F(BillPayFlowTest, APaymentOverTwoInvoicesLeavesOnlyWhenBothAreBack) {
  v1::Invoice first = SentInvoice();
  v1::Invoice second = SentInvoice();
  std::string billpay_id = PayInSandbox({first, second}).value("id", "");
  v1::Payment payment = ImportedPayment(billpay_id);
  EXPECT_THAT(payment.allocations(), SizeIs(2));

  Moved(Get(first.id()), Move::kReissue);
  ASSERT_TRUE(WaitAllSynced());
  EXPECT_EQ(SandboxPayment(billpay_id).value("status", ""), "succeeded");
  EXPECT_FALSE(GetPayment(clerk_, payment.id()).all_invoices_reverted());

  Moved(Get(second.id()), Move::kRevertToDraft);
  EXPECT_TRUE(GetPayment(clerk_, payment.id()).all_invoices_reverted());
  EXPECT_TRUE(SandboxPaymentStatusIs(billpay_id, "deleted")) << SyncEventsText();
}

// BP-8: a prepayment applied to an invoice is paid again in bill-pay, against
// that invoice, and both sides agree on what is still due.
TEST_F(BillPayFlowTest, AnAppliedPrepaymentIsCreatedAgainInBillPay) {
  v1::Invoice paid_then_reissued = SentInvoice();
  std::string billpay_id = PayInSandbox({paid_then_reissued}).value("id", "");
  v1::Payment payment = ImportedPayment(billpay_id);
  Moved(Get(paid_then_reissued.id()), Move::kReissue);

  v1::Invoice target = SentInvoice();
  v1::ApplyPrepaymentRequest apply;
  apply.set_payment_id(payment.id());
  apply.set_invoice_id(target.id());
  apply.mutable_amount()->set_minor_units(10000);
  apply.set_request_id(Unique("apply"));
  v1::ApplyPrepaymentResponse applied;
  ASSERT_TRUE(api().payments().ApplyPrepayment(ApiClient::Context(clerk_).get(), apply, &applied).ok());
  ASSERT_TRUE(WaitAllSynced()) << SyncEventsText();

  nlohmann::json target_record = LiveSandboxInvoice(target.id());
  int created = 0;
  for (const nlohmann::json& sandbox_payment : SandboxPayments()) {
    if (sandbox_payment.value("origin", "") != "api" || sandbox_payment.value("status", "") != "succeeded") continue;
    ++created;
    EXPECT_EQ(sandbox_payment.value("amount", int64_t{0}), 10000);
    EXPECT_EQ(sandbox_payment["allocations"][0].value("invoice_id", ""), target_record.value("id", ""));
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(target_record.value("outstanding", int64_t{-1}), Get(target.id()).outstanding().minor_units());
  EXPECT_THAT(CheckLedger(admin_).differences(), IsEmpty());
}

// BP-7: when bill-pay cannot be asked for payments, going back is refused
// with FAILED_PRECONDITION and nothing changes.
TEST_F(BillPayFlowTest, GoingBackIsRefusedWhileBillPayCannotBeAsked) {
  v1::Invoice invoice = SentInvoice();
  ASSERT_TRUE(sandbox().SetFaults({{"error_rate", 1.0}}));
  v1::Invoice answer;
  grpc::Status status = MoveInvoice(clerk_, Move::kRevertToDraft, invoice.id(), invoice.version(), &answer);
  ASSERT_TRUE(sandbox().SetFaults({{"error_rate", 0.0}}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << StatusText(status);
  EXPECT_EQ(PreconditionRule(status), "BP-7");
  v1::Invoice unchanged = Get(invoice.id());
  EXPECT_EQ(unchanged.state(), v1::INVOICE_STATE_FINAL);
  EXPECT_EQ(unchanged.version(), invoice.version());
  EXPECT_EQ(unchanged.pay_now_url(), invoice.pay_now_url());
}

// BP-7: a payment whose webhook never came is imported before the invoice
// goes back, so it is not lost: it was applied to the invoice, and going
// back released it as a prepayment (BP-8). The import changes the invoice,
// so a move with the version read before it answers ABORTED: read again.
TEST_F(BillPayFlowTest, GoingBackImportsAPaymentWhoseWebhookNeverCame) {
  v1::Invoice invoice = SentInvoice();
  LoseWebhooks();
  std::string billpay_id = PayInSandbox({invoice}).value("id", "");
  grpc::Status status = MoveInvoice(clerk_, Move::kRevertToDraft, invoice.id(), invoice.version());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << StatusText(status);
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), 0);
  v1::Invoice reverted = Moved(Get(invoice.id()), Move::kRevertToDraft);
  EXPECT_EQ(reverted.state(), v1::INVOICE_STATE_DRAFT);
  std::vector<v1::Payment> payments = OurPayments();
  ASSERT_THAT(payments, SizeIs(1));
  EXPECT_EQ(payments[0].reference(), billpay_id);
  EXPECT_EQ(payments[0].unapplied().minor_units(), invoice.outstanding().minor_units());
  ASSERT_THAT(payments[0].allocations(), SizeIs(1));
  EXPECT_EQ(payments[0].allocations(0).invoice_id(), invoice.id());
  EXPECT_EQ(payments[0].allocations(0).state(), v1::ALLOCATION_STATE_RELEASED);
}

// BP-12: PaymentService.ImportPayments finds what bill-pay has, once however
// often it runs.
TEST_F(BillPayFlowTest, ImportPaymentsOnDemandAppliesEachPaymentOnce) {
  v1::Invoice invoice = SentInvoice();
  LoseWebhooks();
  std::string billpay_id = PayInSandbox({invoice}).value("id", "");
  for (int i = 0; i < 3; ++i) {
    v1::ImportPaymentsResponse imported;
    grpc::Status status =
        api().payments().ImportPayments(ApiClient::Context(clerk_).get(), v1::ImportPaymentsRequest(), &imported);
    ASSERT_TRUE(status.ok()) << StatusText(status);
  }
  std::vector<v1::Payment> payments = OurPayments();
  ASSERT_THAT(payments, SizeIs(1));
  EXPECT_EQ(payments[0].reference(), billpay_id);
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), 0);
}

// BP-12: duplicated and reordered webhooks and a reversal apply once each.
TEST_F(BillPayFlowTest, DuplicatedWebhooksAndAReversalApplyOnce) {
  v1::Invoice invoice = SentInvoice();
  ASSERT_TRUE(sandbox().SetFaults({{"webhook_duplicate_rate", 1.0}, {"webhook_max_delay_ms", 300}}));
  std::string billpay_id = PayInSandbox({invoice}).value("id", "");
  sandbox().Reverse(billpay_id, "chargeback");
  v1::Payment payment = ImportedPayment(billpay_id);
  EXPECT_TRUE(WaitFor([&] { return GetPayment(clerk_, payment.id()).state() == v1::PAYMENT_STATE_REVERSED; }));
  // Every delivery (two per event) has arrived before counting.
  EXPECT_TRUE(WaitFor([&] { return AccountState().value("pending_webhooks", nlohmann::json::array()).empty(); }));
  ASSERT_TRUE(sandbox().SetFaults({{"webhook_duplicate_rate", 0.0}, {"webhook_max_delay_ms", 0}}));
  EXPECT_THAT(OurPayments(), SizeIs(1));
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), invoice.outstanding().minor_units());
  EXPECT_THAT(CheckLedger(admin_).differences(), IsEmpty());
}

}  // namespace
}  // namespace invoicehub::e2e
