// Partner webhooks and company isolation, end to end: forged, stale and
// replayed deliveries to POST /webhooks/billpay/{company_id}, and two
// companies on two bill-pay accounts.

#include <ctime>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include "integrations/billpay/webhook_signature.h"
#include "tests/e2e/billpay_fixture.h"

namespace invoicehub::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

class BillPayWebhookTest : public BillPayTest {
 protected:
  // A payment.succeeded event as the sandbox would send it, for a payment of
  // `amount` on the sandbox record of `invoice`.
  std::string PaymentEvent(const std::string& event_id, const std::string& payment_id, const v1::Invoice& invoice,
                           int64_t amount) {
    nlohmann::json record = LiveSandboxInvoice(invoice.id());
    nlohmann::json payment = {{"id", payment_id},
                              {"customer_id", record.value("customer_id", "")},
                              {"currency", "CHF"},
                              {"amount", amount},
                              {"status", "succeeded"},
                              {"method", "card"},
                              {"origin", "payer"},
                              {"external_id", ""},
                              {"reversal_reason", ""},
                              {"created", std::time(nullptr)},
                              {"sequence", 1},
                              {"allocations", {{{"invoice_id", record.value("id", "")}, {"amount", amount}}}}};
    return nlohmann::json{{"id", event_id},
                          {"type", "payment.succeeded"},
                          {"created", std::time(nullptr)},
                          {"account_id", account_.account_id},
                          {"data", {{"payment", payment}}}}
        .dump();
  }

  // POSTs `body` to the company's webhook URL with `signature`; the status.
  int Deliver(const std::string& company_id, const std::string& body, const std::string& signature) {
    httplib::Client client("127.0.0.1", server().process.http_port());
    httplib::Headers headers;
    if (!signature.empty()) headers.emplace(billpay::kSignatureHeader, signature);
    httplib::Result result = client.Post(("/webhooks/billpay/" + company_id).c_str(), headers, body, "application/json");
    return result ? result->status : -1;
  }

  std::string Signed(const std::string& body, int64_t at = std::time(nullptr)) {
    return billpay::SignWebhook(account_.webhook_secret, at, body);
  }

  int64_t InboxRows() { return Count("SELECT count(*) FROM billpay_inbox" + Where()); }
  int64_t PaymentRows() { return Count("SELECT count(*) FROM payments" + Where()); }
};

TEST_F(BillPayWebhookTest, ASignedEventIsStoredAndAppliedOnceHoweverOftenItComes) {  // BP-12
  v1::Invoice invoice = WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id());
  std::string body = PaymentEvent(Unique("evt"), Unique("pay"), invoice, 1000);
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body)), 200);
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body)), 200);  // a repeat: no effect
  EXPECT_EQ(InboxRows(), 1);
  EXPECT_EQ(PaymentRows(), 1);
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), invoice.outstanding().minor_units() - 1000);
}

TEST_F(BillPayWebhookTest, AForgedOrTamperedEventIsRefusedAndNothingStored) {
  v1::Invoice invoice = WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id());
  std::string body = PaymentEvent(Unique("evt"), Unique("pay"), invoice, 1000);
  std::string tampered = ReplaceAll(body, "\"amount\":1000", "\"amount\":9000");
  ASSERT_NE(tampered, body);
  EXPECT_EQ(Deliver(company_.company().id(), tampered, Signed(body)), 401);
  EXPECT_EQ(Deliver(company_.company().id(), body, ""), 401);
  EXPECT_EQ(Deliver(company_.company().id(), body, "t=1,v1=00"), 401);
  EXPECT_EQ(Deliver(company_.company().id(), body, billpay::SignWebhook("not-the-secret-at-all", std::time(nullptr), body)),
            401);
  EXPECT_EQ(InboxRows(), 0);
  EXPECT_EQ(PaymentRows(), 0);
}

TEST_F(BillPayWebhookTest, AReplayedOldEventIsRefused) {
  v1::Invoice invoice = WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id());
  std::string body = PaymentEvent(Unique("evt"), Unique("pay"), invoice, 1000);
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body, std::time(nullptr) - 600)), 401);
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body, std::time(nullptr) + 600)), 401);
  EXPECT_EQ(InboxRows(), 0);
}

TEST_F(BillPayWebhookTest, AnOversizedBodyIsRefusedUnread) {
  std::string body(300 * 1024, 'x');
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body)), 413);
  EXPECT_EQ(InboxRows(), 0);
}

TEST_F(BillPayWebhookTest, AnEventForAnUnknownInvoiceIsStoredAndReportedNotFatal) {
  v1::Invoice invoice = WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id());
  std::string body = PaymentEvent(Unique("evt"), Unique("pay"), invoice, 700);
  body = ReplaceAll(body, LiveSandboxInvoice(invoice.id()).value("id", ""), "inv_unknown_to_us");
  EXPECT_EQ(Deliver(company_.company().id(), body, Signed(body)), 200);
  EXPECT_EQ(InboxRows(), 1);
  // Nothing is lost: the customer's money is a prepayment.
  std::vector<v1::Payment> payments = OurPayments();
  ASSERT_THAT(payments, SizeIs(1));
  EXPECT_EQ(payments[0].unapplied().minor_units(), 700);
  EXPECT_EQ(Get(invoice.id()).outstanding().minor_units(), invoice.outstanding().minor_units());
}

// BP-6: each company's invoices go to its own account; another company's
// secret does not open its webhook; another company's key sees nothing.
TEST_F(BillPayWebhookTest, TwoCompaniesOnTwoAccountsNeverSeeEachOther) {
  v1::CreateCompanyResponse other = NewCompany("Other AG");
  std::string other_clerk = NewKey(other.admin_key_secret(), v1::ROLE_CLERK);
  testing::SandboxAccount other_account = LinkBillPay(other.admin_key_secret(), other.company().id());
  v1::Customer other_customer = NewCustomer(other_clerk, "Other customer");

  v1::Invoice mine = WaitSynced(NewFinalInvoice(clerk_, customer_.id()).id());
  v1::Invoice theirs = NewFinalInvoice(other_clerk, other_customer.id());
  ASSERT_TRUE(WaitFor([&] { return GetInvoice(other_clerk, theirs.id()).sync_state() == v1::INVOICE_SYNC_STATE_SYNCED; }));
  theirs = GetInvoice(other_clerk, theirs.id());

  EXPECT_FALSE(LiveSandboxInvoice(mine.id()).is_null());
  EXPECT_TRUE(LiveSandboxInvoice(theirs.id()).is_null());
  EXPECT_FALSE(LiveSandboxInvoice(theirs.id(), other_account.account_id).is_null());
  EXPECT_TRUE(LiveSandboxInvoice(mine.id(), other_account.account_id).is_null());
  EXPECT_NE(mine.pay_now_url(), theirs.pay_now_url());

  // A company reading the other's invoice (and so its URL) gets NOT_FOUND.
  v1::GetInvoiceRequest request;
  request.set_invoice_id(theirs.id());
  v1::Invoice answer;
  grpc::Status status = api().invoices().GetInvoice(ApiClient::Context(clerk_).get(), request, &answer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(theirs.pay_now_url())));

  // In bill-pay, one account's key cannot read the other's record.
  std::string their_record = LiveSandboxInvoice(theirs.id(), other_account.account_id).value("id", "");
  EXPECT_EQ(sandbox().Call("GET", "/v1/invoices/" + their_record, "", account_.api_key).status, 404);

  // A webhook for the other company signed with this company's secret is refused.
  std::string body = PaymentEvent(Unique("evt"), Unique("pay"), mine, 500);
  EXPECT_EQ(Deliver(other.company().id(), body, Signed(body)), 401);
  EXPECT_EQ(Count("SELECT count(*) FROM billpay_inbox WHERE company_id = " + other.company().id()), 0);
}

TEST_F(BillPayWebhookTest, TheAccountsSecretsAreNeverReturned) {  // BP-6
  v1::BillPayAccount account;
  ASSERT_TRUE(
      api().sync().GetBillPayAccount(ApiClient::Context(admin_).get(), v1::GetBillPayAccountRequest(), &account).ok());
  EXPECT_EQ(account.base_url(), sandbox().base_url());
  EXPECT_EQ(account.api_key_hint(), account_.api_key.substr(account_.api_key.size() - 4));
  EXPECT_THAT(account.DebugString(), Not(HasSubstr(account_.api_key)));
  EXPECT_THAT(account.DebugString(), Not(HasSubstr(account_.webhook_secret)));
  std::string audit = Sql("SELECT string_agg(coalesce(after_state::text, ''), ' ') FROM audit_log" + Where());
  EXPECT_THAT(audit, Not(HasSubstr(account_.api_key)));
  EXPECT_THAT(audit, Not(HasSubstr(account_.webhook_secret)));
  EXPECT_THAT(server().process.log(), Not(HasSubstr(account_.api_key)));
  EXPECT_THAT(server().process.log(), Not(HasSubstr(account_.webhook_secret)));
  // A viewer may not read it.
  std::string viewer = NewKey(admin_, v1::ROLE_VIEWER);
  grpc::Status status =
      api().sync().GetBillPayAccount(ApiClient::Context(viewer).get(), v1::GetBillPayAccountRequest(), &account);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(BillPayWebhookTest, AFailedEventCanBeListedAndRetried) {
  // Bill-pay refusing for good: a wrong key is 401, a permanent failure.
  v1::SetBillPayAccountRequest change;
  change.set_base_url(sandbox().base_url());
  change.set_api_key("wrong-key-0000000000");
  change.set_enabled(true);
  v1::BillPayAccount current;
  ASSERT_TRUE(
      api().sync().GetBillPayAccount(ApiClient::Context(admin_).get(), v1::GetBillPayAccountRequest(), &current).ok());
  change.set_version(current.version());
  v1::BillPayAccount changed;
  ASSERT_TRUE(api().sync().SetBillPayAccount(ApiClient::Context(admin_).get(), change, &changed).ok());

  v1::Invoice invoice = NewFinalInvoice(clerk_, customer_.id());
  ASSERT_TRUE(WaitFor([&] { return Get(invoice.id()).sync_state() == v1::INVOICE_SYNC_STATE_FAILED; }))
      << SyncEventsText(invoice.id());
  EXPECT_THAT(Get(invoice.id()).sync_error(), HasSubstr("401"));

  v1::ListSyncEventsRequest list;
  list.set_state(v1::SYNC_EVENT_STATE_FAILED);
  v1::ListSyncEventsResponse failed;
  ASSERT_TRUE(api().sync().ListSyncEvents(ApiClient::Context(admin_).get(), list, &failed).ok());
  ASSERT_THAT(failed.events(), SizeIs(1));

  change.set_api_key(account_.api_key);
  change.set_version(changed.version());
  ASSERT_TRUE(api().sync().SetBillPayAccount(ApiClient::Context(admin_).get(), change, &changed).ok());
  v1::RetrySyncEventRequest retry;
  retry.set_sync_event_id(failed.events(0).id());
  v1::SyncEvent retried;
  ASSERT_TRUE(api().sync().RetrySyncEvent(ApiClient::Context(admin_).get(), retry, &retried).ok());
  EXPECT_EQ(retried.state(), v1::SYNC_EVENT_STATE_PENDING);
  v1::Invoice synced = WaitSynced(invoice.id());
  EXPECT_FALSE(synced.pay_now_url().empty());
  // Retrying what is not failed is refused.
  grpc::Status again = api().sync().RetrySyncEvent(ApiClient::Context(admin_).get(), retry, &retried);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace invoicehub::e2e
