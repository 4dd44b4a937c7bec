// POST /webhooks/billpay/{company_id} on the real HttpListener (port 0),
// with real bill-pay accounts (secrets sealed with a test master key) on a
// real PostgreSQL: only a correctly signed, fresh delivery for the company
// it names is stored (BP-6), it is stored once and applied once (BP-12), and
// nothing else is stored at all.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "integrations/billpay/webhook_signature.h"
#include "server/app/billpay_import.h"
#include "server/domain/clock.h"
#include "server/http/http_listener.h"
#include "tests/integration/billpay_fixture.h"

namespace invoicehub::integration::billpay_test {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "whsec_company_a_0123456789abcdef";
constexpr char kOtherSecret[] = "whsec_company_b_fedcba9876543210";

struct HttpReply {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 exchange over a plain socket, so the test sends exactly the
// bytes and headers it means to.
HttpReply Post(int port, const std::string& path, const std::string& signature, const std::string& body) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return reply;
  }
  std::string request = absl::StrCat("POST ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                     "Content-Type: application/json\r\nContent-Length: ", body.size(),
                                     "\r\nConnection: close\r\n");
  if (!signature.empty()) absl::StrAppend(&request, billpay::kSignatureHeader, ": ", signature, "\r\n");
  absl::StrAppend(&request, "\r\n", body);
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close before reading everything
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) response.append(buffer, static_cast<size_t>(n));
  close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  if (response.size() < 12 || !absl::SimpleAtoi(response.substr(9, 3), &reply.status)) return reply;
  if (size_t end = response.find("\r\n\r\n"); end != std::string::npos) reply.body = response.substr(end + 4);
  return reply;
}

class BillPayWebhookTest : public BillPayTest {
 protected:
  void SetUp() override {
    BillPayTest::SetUp();
    SetAccount(company_, kSecret);
    other_company_ = AddCompany(db_, "Other Bill-pay AG");
    SetAccount(other_company_, kOtherSecret);
    invoice_ = LinkedFinal(10000, "inv_a");
    absl::StatusOr<int> port = listener_.Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
  }

  void TearDown() override { listener_.Stop(); }

  int64_t Now() const { return absl::ToUnixSeconds(clock_.Now()); }

  // Delivers `body` to `company`'s endpoint signed with `secret` at `t`.
  HttpReply Deliver(const std::string& body, const std::string& secret = kSecret, int64_t t = 0,
                    int64_t company = 0) {
    const std::string signature = billpay::SignWebhook(secret, t ? t : Now(), body);
    return Post(port_, absl::StrCat("/webhooks/billpay/", company ? company : company_), signature, body);
  }

  std::string PaidBody(const std::string& event_id = "evt_1", int64_t amount = 4000) {
    return WebhookBody(event_id, "payment.succeeded", PayerPayment("pay_1", amount, {{"inv_a", amount}}));
  }

  // Nothing of a refused delivery is kept, and no money moved.
  void ExpectNothingStored() {
    EXPECT_EQ(Count("billpay_inbox"), "0");
    EXPECT_EQ(Count("billpay_inbox", other_company_), "0");
    EXPECT_EQ(Count("payments"), "0");
    EXPECT_EQ(Load(invoice_.id).outstanding_minor, 10000);
  }

  domain::FixedClock clock_{absl::FromUnixSeconds(1709900000)};
  http::HttpListener listener_{db_.db(), &gateways_, clock_};
  int port_ = 0;
  int64_t other_company_ = 0;
  domain::Invoice invoice_;
};

TEST_F(BillPayWebhookTest, SignedPaymentIsStoredAndRecorded) {  // BP-12
  HttpReply reply = Deliver(PaidBody());
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr("stored"));
  EXPECT_EQ(Count("billpay_inbox"), "1");
  std::optional<storage::InboxEvent> event = Inbox("evt_1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kApplied);
  EXPECT_EQ(event->event_type, "payment.succeeded");
  EXPECT_EQ(event->billpay_payment_id, "pay_1");
  EXPECT_EQ(event->body, PaidBody());  // the raw bytes as signed
  EXPECT_EQ(Count("payments"), "1");
  EXPECT_EQ(Load(invoice_.id).outstanding_minor, 6000);
  // Audited as bill-pay's doing, with the event id: the payment and its invoice.
  EXPECT_EQ(db_.Scalar(absl::StrCat("SELECT count(*) FROM audit_log WHERE company_id = ", company_,
                                    " AND actor = 'billpay' AND request_id = 'evt_1'")),
            "2");
  // The webhook needs no gateway: the secret comes from the account.
  EXPECT_EQ(feed_.gateways_made(), 0);
  ExpectLedgerClean();
}

TEST_F(BillPayWebhookTest, RepeatedDeliveryIsStoredAndAppliedOnce) {  // BP-12
  ASSERT_EQ(Deliver(PaidBody()).status, 200);
  HttpReply again = Deliver(PaidBody());
  EXPECT_EQ(again.status, 200);
  EXPECT_THAT(again.body, HasSubstr("duplicate"));
  // Another event about the same payment is stored, but pays nothing more.
  EXPECT_EQ(Deliver(PaidBody("evt_1_again")).status, 200);
  EXPECT_EQ(Count("billpay_inbox"), "2");
  EXPECT_EQ(Count("payments"), "1");
  EXPECT_EQ(Load(invoice_.id).outstanding_minor, 6000);
  ExpectLedgerClean();
}

TEST_F(BillPayWebhookTest, ReversalAfterThePaymentReversesIt) {  // BP-12
  billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  ASSERT_EQ(Deliver(WebhookBody("evt_1", "payment.succeeded", payment)).status, 200);
  ASSERT_EQ(Deliver(WebhookBody("evt_2", "payment.reversed", Reversed(payment, "chargeback"))).status, 200);
  EXPECT_EQ(LoadPayment(PaymentOf("pay_1")).state, domain::PaymentState::kReversed);
  EXPECT_EQ(Load(invoice_.id).outstanding_minor, 10000);
  ExpectLedgerClean();
}

TEST_F(BillPayWebhookTest, TamperedBodyIsRefused) {
  const std::string signed_body = PaidBody("evt_1", 4000);
  const std::string signature = billpay::SignWebhook(kSecret, Now(), signed_body);
  const std::string tampered = PaidBody("evt_1", 9000);
  ASSERT_NE(tampered, signed_body);
  EXPECT_EQ(Post(port_, absl::StrCat("/webhooks/billpay/", company_), signature, tampered).status, 401);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, WrongSecretIsRefused) {
  EXPECT_EQ(Deliver(PaidBody(), "whsec_not_the_one_0123456789").status, 401);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, AnotherCompanysSecretIsRefused) {  // BP-6
  EXPECT_EQ(Deliver(PaidBody(), kOtherSecret).status, 401);
  ExpectNothingStored();
  // Signed right for the other company, it lands there and only there.
  EXPECT_EQ(Deliver(PaidBody(), kOtherSecret, 0, other_company_).status, 200);
  EXPECT_EQ(Count("billpay_inbox", other_company_), "1");
  EXPECT_EQ(Count("billpay_inbox"), "0");
}

TEST_F(BillPayWebhookTest, StaleSignatureIsRefused) {
  EXPECT_EQ(Deliver(PaidBody(), kSecret, Now() - 400).status, 401);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, SignatureFromTheFutureBeyondToleranceIsRefused) {
  EXPECT_EQ(Deliver(PaidBody(), kSecret, Now() + 400).status, 401);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, MissingOrMalformedSignatureIsRefused) {
  EXPECT_EQ(Post(port_, absl::StrCat("/webhooks/billpay/", company_), "", PaidBody()).status, 401);
  EXPECT_EQ(Post(port_, absl::StrCat("/webhooks/billpay/", company_), "t=abc,v1=zz", PaidBody()).status, 401);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, UnknownCompanyOrOneWithoutAccountAnswersLikeABadSignature) {  // BP-6
  const int64_t no_account = AddCompany(db_, "No Bill-pay AG");
  HttpReply bad_signature = Deliver(PaidBody(), "whsec_not_the_one_0123456789");
  HttpReply unknown = Deliver(PaidBody(), kSecret, 0, 987654321);
  HttpReply without_account = Deliver(PaidBody(), kSecret, 0, no_account);
  HttpReply not_an_id = Post(port_, "/webhooks/billpay/acme", billpay::SignWebhook(kSecret, Now(), PaidBody()),
                             PaidBody());
  for (const HttpReply& reply : {unknown, without_account, not_an_id}) {
    EXPECT_EQ(reply.status, 401);
    EXPECT_EQ(reply.body, bad_signature.body);
  }
  ExpectNothingStored();
  EXPECT_EQ(Count("billpay_inbox", no_account), "0");
}

TEST_F(BillPayWebhookTest, BodyOverTheLimitIsRefused) {
  billpay::PaymentRecord payment = PayerPayment("pay_1", 4000, {{"inv_a", 4000}});
  payment.external_id = std::string(300 * 1024, 'x');  // correctly signed, just too large
  HttpReply reply = Deliver(WebhookBody("evt_big", "payment.succeeded", payment));
  EXPECT_EQ(reply.status, 413);
  ExpectNothingStored();
}

TEST_F(BillPayWebhookTest, SignedButUnreadableBodyIsRefused) {
  EXPECT_EQ(Deliver("{\"id\": \"evt_1\", \"type\": \"payment.succeeded\"").status, 400);
  EXPECT_EQ(Deliver("{\"id\": \"evt_1\", \"type\": \"payment.succeeded\", \"created\": 1}").status, 400);
  ExpectNothingStored();
}

// A payment that does not say who made it could be one we made ourselves
// (origin api, BP-8); taken for a payer's it would be recorded twice.
TEST_F(BillPayWebhookTest, SignedPaymentWithoutOriginOrStatusIsRefused) {  // BP-8, BP-12
  for (const char* field : {"origin", "status"}) {
    nlohmann::json body = nlohmann::json::parse(PaidBody());
    body["data"]["payment"].erase(field);
    EXPECT_EQ(Deliver(body.dump()).status, 400) << field;
  }
  ExpectNothingStored();
}

// What of a payment could not be placed is written on its inbox event, where
// an admin sees it (SyncService.ListInboxEvents).
TEST_F(BillPayWebhookTest, PartOfAPaymentThatCannotBePlacedIsNotedOnItsEvent) {  // BP-12
  EXPECT_EQ(Deliver(WebhookBody("evt_over", "payment.succeeded", PayerPayment("pay_1", 12500, {{"inv_a", 12500}})))
                .status,
            200);
  std::optional<storage::InboxEvent> event = Inbox("evt_over");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kApplied);
  EXPECT_THAT(event->note, HasSubstr("recorded"));
  EXPECT_THAT(event->note, HasSubstr("2500"));
  EXPECT_THAT(event->note, HasSubstr("prepayment"));
  EXPECT_EQ(LoadPayment(PaymentOf("pay_1")).unapplied_minor, 2500);
  EXPECT_EQ(Load(invoice_.id).outstanding_minor, 0);
  ExpectLedgerClean();
}

TEST_F(BillPayWebhookTest, OtherEventTypesAreStoredAsIgnored) {
  const std::string body = R"({"id": "evt_9", "type": "account.updated", "created": 1709800000,)"
                           R"( "account_id": "acct_test", "data": {}})";
  EXPECT_EQ(Deliver(body).status, 200);
  std::optional<storage::InboxEvent> event = Inbox("evt_9");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kApplied);
  EXPECT_EQ(event->note, "ignored type");
  EXPECT_EQ(Count("payments"), "0");
}

TEST_F(BillPayWebhookTest, UnmatchedPaymentIsStoredAndReported) {  // BP-12
  billpay::PaymentRecord stranger = PayerPayment("pay_x", 1000);
  stranger.customer_id = "cus_stranger";
  EXPECT_EQ(Deliver(WebhookBody("evt_x", "payment.succeeded", stranger)).status, 200);
  std::optional<storage::InboxEvent> event = Inbox("evt_x");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kUnmatched);
  EXPECT_THAT(event->note, HasSubstr("cus_stranger"));
  EXPECT_EQ(Count("payments"), "0");
}

// A stored event whose apply fails still answers 200; it stays pending and
// the payment import applies it later.
TEST_F(BillPayWebhookTest, EventWhoseApplyFailsIsKeptAndAppliedByTheImport) {  // BP-12
  testing::ExecSql(db_.url(),
                   "CREATE FUNCTION refuse_links() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                   " RAISE EXCEPTION 'database trouble'; END $$");
  testing::ExecSql(db_.url(),
                   "CREATE TRIGGER refuse_links BEFORE INSERT ON billpay_payments"
                   " FOR EACH ROW EXECUTE FUNCTION refuse_links()");
  EXPECT_EQ(Deliver(PaidBody()).status, 200);
  std::optional<storage::InboxEvent> event = Inbox("evt_1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->state, storage::InboxState::kPending);
  EXPECT_EQ(Count("payments"), "0");

  testing::ExecSql(db_.url(), "DROP TRIGGER refuse_links ON billpay_payments");
  absl::StatusOr<app::ImportSummary> summary = app::ImportBillPayPayments(gateways_, company_, clock_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->recorded, 1);
  EXPECT_EQ(Inbox("evt_1")->state, storage::InboxState::kApplied);
  EXPECT_EQ(Load(invoice_.id).outstanding_minor, 6000);
  ExpectLedgerClean();
}

}  // namespace
}  // namespace invoicehub::integration::billpay_test
