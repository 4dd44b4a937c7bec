// The vendor's words mapped onto ours (integrations/billpay/billpay_transformer.h):
// request bodies, every status and transport failure as an Outcome, answer
// bodies as records, and webhook bodies as events. No network.

#include "integrations/billpay/billpay_transformer.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::billpay {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

HttpExchange Answer(const std::string& method, const std::string& path, int status, const std::string& body) {
  HttpExchange exchange;
  exchange.method = method;
  exchange.path = path;
  exchange.status = status;
  exchange.body = body;
  return exchange;
}

HttpExchange NoAnswer(Delivery delivery, const std::string& why) {
  HttpExchange exchange;
  exchange.method = "POST";
  exchange.path = "/v1/invoices";
  exchange.delivery = delivery;
  exchange.transport_error = why;
  return exchange;
}

std::string ErrorBody(const std::string& code, const std::string& message, const std::string& existing_id = "") {
  json error = {{"code", code}, {"message", message}};
  if (!existing_id.empty()) error["existing_id"] = existing_id;
  return json{{"error", error}}.dump();
}

json InvoiceJson(const std::string& status = "open") {
  return {{"id", "inv_1"},
          {"customer_id", "cus_1"},
          {"external_id", "42"},
          {"number", "INV-7"},
          {"invoice_date", "2026-01-05"},
          {"due_date", "2026-02-04"},
          {"currency", "CHF"},
          {"amount", 12050},
          {"outstanding", 2050},
          {"status", status},
          {"pay_now_url", "http://127.0.0.1:9/pay/tok_abc"},
          {"pdf_sha256", "00"},
          {"created", 1790000000},
          {"updated", 1790000001}};
}

json PaymentJson(const std::string& status = "succeeded") {
  return {{"id", "pay_1"},
          {"customer_id", "cus_1"},
          {"currency", "CHF"},
          {"amount", 3000},
          {"status", status},
          {"method", "ach"},
          {"origin", "payer"},
          {"external_id", ""},
          {"allocations", json::array({{{"invoice_id", "inv_1"}, {"amount", 1000}},
                                       {{"invoice_id", "inv_2"}, {"amount", 2000}}})},
          {"reversal_reason", status == "reversed" ? "chargeback" : ""},
          {"created", 1767225599},  // 2025-12-31T23:59:59Z
          {"sequence", 4}};
}

// --- OutcomeName

TEST(OutcomeNameTest, NamesEveryOutcome) {
  EXPECT_STREQ(OutcomeName(Outcome::kDone), "done");
  EXPECT_STREQ(OutcomeName(Outcome::kRetryable), "retryable");
  EXPECT_STREQ(OutcomeName(Outcome::kPermanent), "permanent");
  EXPECT_STREQ(OutcomeName(Outcome::kUnknown), "unknown");
}

// --- statuses

TEST(OutcomeOfStatusTest, SuccessIsDone) {
  for (int status : {200, 201, 202, 204, 299}) EXPECT_EQ(OutcomeOfStatus(status), Outcome::kDone) << status;
}

TEST(OutcomeOfStatusTest, ClientErrorsArePermanent) {
  for (int status : {400, 401, 403, 404, 405, 409, 413, 422, 499})
    EXPECT_EQ(OutcomeOfStatus(status), Outcome::kPermanent) << status;
}

TEST(OutcomeOfStatusTest, RateLimitIsRetryable) { EXPECT_EQ(OutcomeOfStatus(429), Outcome::kRetryable); }

TEST(OutcomeOfStatusTest, RequestTimeoutIsUnknown) {
  // The server stopped waiting for the request; it may have read enough.
  EXPECT_EQ(OutcomeOfStatus(408), Outcome::kUnknown);
}

TEST(OutcomeOfStatusTest, ServerErrorsAreRetryable) {
  // The contract: 5xx means nothing was changed.
  for (int status : {500, 501, 502, 503, 599}) EXPECT_EQ(OutcomeOfStatus(status), Outcome::kRetryable) << status;
}

TEST(OutcomeOfStatusTest, GatewayTimeoutIsUnknown) {
  // A gateway gave up waiting for the vendor, which may have acted.
  EXPECT_EQ(OutcomeOfStatus(504), Outcome::kUnknown);
}

TEST(OutcomeOfStatusTest, RedirectsArePermanent) {
  for (int status : {301, 302, 307, 308}) EXPECT_EQ(OutcomeOfStatus(status), Outcome::kPermanent) << status;
}

TEST(OutcomeOfStatusTest, NonHttpStatusesAreUnknown) {
  for (int status : {0, 99, 100, 199, 600, 999}) EXPECT_EQ(OutcomeOfStatus(status), Outcome::kUnknown) << status;
}

// --- transport failures

TEST(TransportTest, NotSentIsRetryable) {
  Result<InvoiceRecord> result = InvoiceResult(NoAnswer(Delivery::kNotSent, "Connection refused"));
  EXPECT_EQ(result.outcome, Outcome::kRetryable);
  EXPECT_EQ(result.error, "POST /v1/invoices: not sent: Connection refused");
  EXPECT_EQ(result.http_status, 0);
}

TEST(TransportTest, MaybeSentIsUnknown) {
  Result<InvoiceRecord> result = InvoiceResult(NoAnswer(Delivery::kMaybeSent, "Operation timed out"));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_EQ(result.error, "POST /v1/invoices: no answer: Operation timed out");
  EXPECT_EQ(result.http_status, 0);
}

TEST(TransportTest, UnusableRequestIsPermanent) {
  Result<InvoiceRecord> result = InvoiceResult(NoAnswer(Delivery::kUnusable, "URL using bad/illegal format"));
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_THAT(result.error, HasSubstr("URL using bad/illegal format"));
}

TEST(TransportTest, DeletionWithoutAnswerIsNotDone) {
  EXPECT_EQ(DeletionResult(NoAnswer(Delivery::kNotSent, "refused")).outcome, Outcome::kRetryable);
  EXPECT_EQ(DeletionResult(NoAnswer(Delivery::kMaybeSent, "reset")).outcome, Outcome::kUnknown);
}

// --- vendor errors

TEST(VendorErrorTest, ErrorTextNamesCallStatusCodeAndMessage) {
  Result<InvoiceRecord> result =
      InvoiceResult(Answer("POST", "/v1/invoices", 503, ErrorBody("unavailable", "try again later")));
  EXPECT_EQ(result.outcome, Outcome::kRetryable);
  EXPECT_EQ(result.error, "POST /v1/invoices: 503 unavailable: try again later");
  EXPECT_EQ(result.error_code, "unavailable");
  EXPECT_EQ(result.http_status, 503);
}

TEST(VendorErrorTest, UnauthorizedIsPermanent) {
  Result<PaymentPage> result = PaymentPageResult(Answer("GET", "/v1/payments", 401, ErrorBody("unauthorized", "no")));
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.error_code, "unauthorized");
}

TEST(VendorErrorTest, RateLimitedIsRetryable) {
  Result<CustomerRecord> result =
      CustomerResult(Answer("POST", "/v1/customers", 429, ErrorBody("rate_limited", "slow down")));
  EXPECT_EQ(result.outcome, Outcome::kRetryable);
  EXPECT_EQ(result.error_code, "rate_limited");
}

TEST(VendorErrorTest, InvalidStateIsPermanent) {
  Result<PaymentRecord> result =
      PaymentResult(Answer("POST", "/v1/payments", 409, ErrorBody("invalid_state", "invoice deleted")));
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.error, "POST /v1/payments: 409 invalid_state: invoice deleted");
}

TEST(VendorErrorTest, MalformedErrorBodyIsPermanentAndQuoted) {
  Result<InvoiceRecord> result =
      InvoiceResult(Answer("PUT", "/v1/invoices/inv_1", 400, "<html>Bad\nRequest</html>"));
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.error, "PUT /v1/invoices/inv_1: 400 without an error object: \"<html>Bad Request</html>\"");
  EXPECT_EQ(result.error_code, "");
  EXPECT_EQ(result.http_status, 400);
}

TEST(VendorErrorTest, LongUnexpectedBodyIsCut) {
  Result<InvoiceRecord> result = InvoiceResult(Answer("POST", "/v1/invoices", 502, std::string(5000, 'x')));
  EXPECT_EQ(result.outcome, Outcome::kRetryable);
  EXPECT_LT(result.error.size(), 400u);
  EXPECT_THAT(result.error, HasSubstr("..."));
}

// --- 409 already_exists

TEST(ExistingIdTest, AlreadyExistsNamesTheLiveObject) {
  EXPECT_EQ(ExistingIdOf(Answer("POST", "/v1/customers", 409, ErrorBody("already_exists", "dup", "cus_9"))),
            "cus_9");
}

TEST(ExistingIdTest, OtherAnswersNameNothing) {
  EXPECT_EQ(ExistingIdOf(Answer("POST", "/v1/payments", 409, ErrorBody("invalid_state", "x", "inv_1"))),
            std::nullopt);
  EXPECT_EQ(ExistingIdOf(Answer("POST", "/v1/customers", 409, ErrorBody("already_exists", "no id"))), std::nullopt);
  EXPECT_EQ(ExistingIdOf(Answer("POST", "/v1/customers", 400, ErrorBody("already_exists", "x", "cus_9"))),
            std::nullopt);
  EXPECT_EQ(ExistingIdOf(Answer("POST", "/v1/customers", 409, "not json")), std::nullopt);
  EXPECT_EQ(ExistingIdOf(NoAnswer(Delivery::kMaybeSent, "timeout")), std::nullopt);
}

TEST(ExistingIdTest, AlreadyExistsAloneIsPermanent) {
  // The gateway turns it into done by fetching the existing object.
  Result<CustomerRecord> result =
      CustomerResult(Answer("POST", "/v1/customers", 409, ErrorBody("already_exists", "dup", "cus_9")));
  EXPECT_EQ(result.outcome, Outcome::kPermanent);
  EXPECT_EQ(result.error_code, "already_exists");
}

// --- 2xx bodies

TEST(AnswerBodyTest, UnparseableSuccessIsUnknown) {
  // It went through, but we cannot tell what it made: ask again, never guess.
  Result<InvoiceRecord> result = InvoiceResult(Answer("POST", "/v1/invoices", 201, "{\"id\": \"inv_1\""));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("POST /v1/invoices: 201 with an unreadable answer"));
  EXPECT_THAT(result.error, HasSubstr("not JSON"));
  EXPECT_EQ(result.http_status, 201);
}

TEST(AnswerBodyTest, SuccessMissingAFieldIsUnknownAndNamesIt) {
  json body = InvoiceJson();
  body.erase("outstanding");
  Result<InvoiceRecord> result = InvoiceResult(Answer("POST", "/v1/invoices", 201, body.dump()));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("invoice has no field \"outstanding\""));
}

TEST(AnswerBodyTest, SuccessWithAWrongTypeIsUnknown) {
  json body = InvoiceJson();
  body["amount"] = "12050";
  Result<InvoiceRecord> result = InvoiceResult(Answer("POST", "/v1/invoices", 201, body.dump()));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("field \"amount\" is not a whole number"));
  body["amount"] = 120.5;
  EXPECT_EQ(InvoiceResult(Answer("POST", "/v1/invoices", 201, body.dump())).outcome, Outcome::kUnknown);
}

TEST(AnswerBodyTest, SuccessThatIsNotAnObjectIsUnknown) {
  EXPECT_EQ(CustomerResult(Answer("POST", "/v1/customers", 201, "[]")).outcome, Outcome::kUnknown);
  EXPECT_EQ(CustomerResult(Answer("POST", "/v1/customers", 201, "")).outcome, Outcome::kUnknown);
}

TEST(CustomerTest, ReadsACustomer) {
  json body = {{"id", "cus_1"}, {"external_id", "17"}, {"name", "Ümit AG"}, {"email", "a@b.ch"}, {"created", 1}};
  Result<CustomerRecord> result = CustomerResult(Answer("POST", "/v1/customers", 201, body.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_EQ(result.value.id, "cus_1");
  EXPECT_EQ(result.value.external_id, "17");
  EXPECT_EQ(result.value.name, "Ümit AG");
  EXPECT_EQ(result.value.email, "a@b.ch");
  EXPECT_EQ(result.http_status, 201);
  EXPECT_EQ(result.error, "");
}

TEST(CustomerTest, SearchReadsNoneOrOne) {
  Result<std::optional<CustomerRecord>> none =
      CustomerSearchResult(Answer("GET", "/v1/customers", 200, R"({"data": []})"));
  ASSERT_TRUE(none.done()) << none.error;
  EXPECT_FALSE(none.value.has_value());

  Result<std::optional<CustomerRecord>> one = CustomerSearchResult(
      Answer("GET", "/v1/customers", 200, R"({"data": [{"id": "cus_2", "external_id": "5", "name": "N"}]})"));
  ASSERT_TRUE(one.done()) << one.error;
  ASSERT_TRUE(one.value.has_value());
  EXPECT_EQ(one.value->id, "cus_2");
  EXPECT_EQ(one.value->email, "");
}

TEST(CustomerTest, SearchWithoutDataIsUnknown) {
  EXPECT_EQ(CustomerSearchResult(Answer("GET", "/v1/customers", 200, "{}")).outcome, Outcome::kUnknown);
  EXPECT_EQ(CustomerSearchResult(Answer("GET", "/v1/customers", 200, R"({"data": {}})")).outcome, Outcome::kUnknown);
}

TEST(InvoiceTest, ReadsAnInvoice) {
  Result<InvoiceRecord> result = InvoiceResult(Answer("POST", "/v1/invoices", 201, InvoiceJson().dump()));
  ASSERT_TRUE(result.done()) << result.error;
  const InvoiceRecord& invoice = result.value;
  EXPECT_EQ(invoice.id, "inv_1");
  EXPECT_EQ(invoice.customer_id, "cus_1");
  EXPECT_EQ(invoice.external_id, "42");
  EXPECT_EQ(invoice.number, "INV-7");
  EXPECT_EQ(invoice.currency, "CHF");
  EXPECT_EQ(invoice.amount_minor, 12050);
  EXPECT_EQ(invoice.outstanding_minor, 2050);
  EXPECT_EQ(invoice.status, InvoiceStatus::kOpen);
  EXPECT_EQ(invoice.pay_now_url, "http://127.0.0.1:9/pay/tok_abc");  // BP-4
}

TEST(InvoiceTest, MapsEveryStatus) {
  EXPECT_EQ(InvoiceResult(Answer("GET", "/v1/invoices/inv_1", 200, InvoiceJson("open").dump())).value.status,
            InvoiceStatus::kOpen);
  EXPECT_EQ(InvoiceResult(Answer("GET", "/v1/invoices/inv_1", 200, InvoiceJson("paid").dump())).value.status,
            InvoiceStatus::kPaid);
  EXPECT_EQ(InvoiceResult(Answer("GET", "/v1/invoices/inv_1", 200, InvoiceJson("deleted").dump())).value.status,
            InvoiceStatus::kDeleted);
}

TEST(InvoiceTest, UnknownStatusIsUnknown) {
  Result<InvoiceRecord> result = InvoiceResult(Answer("GET", "/v1/invoices/inv_1", 200, InvoiceJson("void").dump()));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("field \"status\" has an unknown value \"void\""));
}

TEST(InvoiceTest, LiveInvoiceNeedsItsPayNowUrl) {
  // BP-4: an open invoice without a Pay Now URL would leave us nothing to store.
  json body = InvoiceJson();
  body.erase("pay_now_url");
  EXPECT_EQ(InvoiceResult(Answer("POST", "/v1/invoices", 201, body.dump())).outcome, Outcome::kUnknown);
  body["status"] = "deleted";
  EXPECT_TRUE(InvoiceResult(Answer("DELETE", "/v1/invoices/inv_1", 200, body.dump())).done());
}

TEST(PaymentTest, ReadsAPaymentWithItsAllocations) {
  Result<PaymentRecord> result = PaymentResult(Answer("POST", "/v1/payments", 201, PaymentJson().dump()));
  ASSERT_TRUE(result.done()) << result.error;
  const PaymentRecord& payment = result.value;
  EXPECT_EQ(payment.id, "pay_1");
  EXPECT_EQ(payment.customer_id, "cus_1");
  EXPECT_EQ(payment.currency, "CHF");
  EXPECT_EQ(payment.amount_minor, 3000);
  EXPECT_EQ(payment.status, PaymentStatus::kSucceeded);
  EXPECT_EQ(payment.origin, PaymentOrigin::kPayer);
  EXPECT_EQ(payment.method, "ach");
  EXPECT_EQ(payment.reversal_reason, "");
  EXPECT_EQ(payment.created_date, "2025-12-31");  // UTC
  EXPECT_EQ(payment.created_unix, 1767225599);
  ASSERT_EQ(payment.allocations.size(), 2u);
  EXPECT_EQ(payment.allocations[0].invoice_id, "inv_1");
  EXPECT_EQ(payment.allocations[0].amount_minor, 1000);
  EXPECT_EQ(payment.allocations[1].invoice_id, "inv_2");
  EXPECT_EQ(payment.allocations[1].amount_minor, 2000);
}

TEST(PaymentTest, MapsEveryStatusAndOrigin) {
  json reversed = PaymentJson("reversed");
  Result<PaymentRecord> result = PaymentResult(Answer("GET", "/v1/payments", 200, reversed.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_EQ(result.value.status, PaymentStatus::kReversed);
  EXPECT_EQ(result.value.reversal_reason, "chargeback");

  json deleted = PaymentJson("deleted");
  deleted["origin"] = "api";
  deleted["external_id"] = "prepay-3";
  result = PaymentResult(Answer("DELETE", "/v1/payments/pay_1", 200, deleted.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_EQ(result.value.status, PaymentStatus::kDeleted);
  EXPECT_EQ(result.value.origin, PaymentOrigin::kApi);
  EXPECT_EQ(result.value.external_id, "prepay-3");

  json odd = PaymentJson("pending");
  EXPECT_EQ(PaymentResult(Answer("GET", "/v1/payments", 200, odd.dump())).outcome, Outcome::kUnknown);
  odd = PaymentJson();
  odd["origin"] = "bank";
  EXPECT_EQ(PaymentResult(Answer("GET", "/v1/payments", 200, odd.dump())).outcome, Outcome::kUnknown);
}

// BP-8, BP-12: a payment whose origin is not said could be one we made
// ourselves; read as a payer's it would be recorded a second time. So origin
// (and status) are required, as the contract lists them.
TEST(PaymentTest, PaymentWithoutOriginOrStatusIsUnreadable) {  // BP-8, BP-12
  for (const char* field : {"origin", "status"}) {
    json body = PaymentJson();
    body.erase(field);
    Result<PaymentRecord> result = PaymentResult(Answer("GET", "/v1/payments", 200, body.dump()));
    EXPECT_EQ(result.outcome, Outcome::kUnknown) << field;
    EXPECT_THAT(result.error, HasSubstr(absl::StrCat("payment has no field \"", field, "\""))) << field;

    body[field] = nullptr;  // null is no better than absent
    EXPECT_EQ(PaymentResult(Answer("GET", "/v1/payments", 200, body.dump())).outcome, Outcome::kUnknown) << field;

    body.erase(field);
    json page = {{"data", json::array({body})}, {"next_cursor", "c"}, {"has_more", false}};
    EXPECT_EQ(PaymentPageResult(Answer("GET", "/v1/payments", 200, page.dump())).outcome, Outcome::kUnknown)
        << field;
  }
}

TEST(PaymentTest, WithoutACreationTimeTheDateIsEmpty) {
  json body = PaymentJson();
  body.erase("created");
  Result<PaymentRecord> result = PaymentResult(Answer("GET", "/v1/payments", 200, body.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_EQ(result.value.created_unix, 0);
  EXPECT_EQ(result.value.created_date, "");
}

TEST(PaymentTest, MalformedAllocationIsUnknown) {
  json body = PaymentJson();
  body["allocations"][1].erase("invoice_id");
  Result<PaymentRecord> result = PaymentResult(Answer("POST", "/v1/payments", 201, body.dump()));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("payment allocation has no field \"invoice_id\""));
  body["allocations"] = "inv_1";
  EXPECT_EQ(PaymentResult(Answer("POST", "/v1/payments", 201, body.dump())).outcome, Outcome::kUnknown);
}

TEST(PaymentPageTest, ReadsAPage) {
  json body = {{"data", json::array({PaymentJson(), PaymentJson("reversed")})},
               {"next_cursor", "c_17"},
               {"has_more", true}};
  Result<PaymentPage> result = PaymentPageResult(Answer("GET", "/v1/payments", 200, body.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  ASSERT_EQ(result.value.payments.size(), 2u);
  EXPECT_EQ(result.value.payments[1].status, PaymentStatus::kReversed);
  EXPECT_EQ(result.value.next_cursor, "c_17");
  EXPECT_TRUE(result.value.has_more);
}

TEST(PaymentPageTest, NumericCursorIsKeptAsText) {
  json body = {{"data", json::array()}, {"next_cursor", 17}, {"has_more", false}};
  Result<PaymentPage> result = PaymentPageResult(Answer("GET", "/v1/payments", 200, body.dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_EQ(result.value.next_cursor, "17");
  EXPECT_FALSE(result.value.has_more);
  EXPECT_TRUE(result.value.payments.empty());
}

TEST(PaymentPageTest, BadPaymentInThePageIsUnknown) {
  json bad = PaymentJson();
  bad.erase("id");
  json body = {{"data", json::array({PaymentJson(), bad})}, {"next_cursor", "c"}, {"has_more", false}};
  Result<PaymentPage> result = PaymentPageResult(Answer("GET", "/v1/payments", 200, body.dump()));
  EXPECT_EQ(result.outcome, Outcome::kUnknown);
  EXPECT_THAT(result.error, HasSubstr("payment has no field \"id\""));
  body = {{"data", json::array()}, {"has_more", false}};
  EXPECT_EQ(PaymentPageResult(Answer("GET", "/v1/payments", 200, body.dump())).outcome, Outcome::kUnknown);
}

// --- payments back in the vendor's words

PaymentRecord SamplePayment() {
  PaymentRecord payment;
  payment.id = "pay_9";
  payment.customer_id = "cus_3";
  payment.currency = "CHF";
  payment.amount_minor = 4200;
  payment.status = PaymentStatus::kReversed;
  payment.origin = PaymentOrigin::kApi;
  payment.method = "ach";
  payment.external_id = "prepay-8";
  payment.reversal_reason = "chargeback";
  payment.created_unix = 1767225599;
  payment.created_date = "2025-12-31";
  payment.allocations = {{"inv_1", 4000}, {"inv_2", 200}};
  return payment;
}

TEST(PaymentJsonTest, WritesThePaymentAsTheContractDoes) {
  json body = json::parse(PaymentRecordJson(SamplePayment()));
  EXPECT_EQ(body, (json{{"id", "pay_9"},
                        {"customer_id", "cus_3"},
                        {"currency", "CHF"},
                        {"amount", 4200},
                        {"status", "reversed"},
                        {"method", "ach"},
                        {"origin", "api"},
                        {"external_id", "prepay-8"},
                        {"allocations", json::array({{{"invoice_id", "inv_1"}, {"amount", 4000}},
                                                     {{"invoice_id", "inv_2"}, {"amount", 200}}})},
                        {"reversal_reason", "chargeback"},
                        {"created", 1767225599}}));
}

TEST(PaymentJsonTest, ReadsBackAsTheSamePayment) {
  for (PaymentStatus status : {PaymentStatus::kSucceeded, PaymentStatus::kReversed, PaymentStatus::kDeleted}) {
    PaymentRecord payment = SamplePayment();
    payment.status = status;
    payment.origin = status == PaymentStatus::kDeleted ? PaymentOrigin::kPayer : PaymentOrigin::kApi;
    Result<PaymentRecord> read = PaymentResult(Answer("GET", "/v1/payments", 200, PaymentRecordJson(payment)));
    ASSERT_TRUE(read.done()) << read.error;
    EXPECT_EQ(read.value.id, payment.id);
    EXPECT_EQ(read.value.customer_id, payment.customer_id);
    EXPECT_EQ(read.value.currency, payment.currency);
    EXPECT_EQ(read.value.amount_minor, payment.amount_minor);
    EXPECT_EQ(read.value.status, payment.status);
    EXPECT_EQ(read.value.origin, payment.origin);
    EXPECT_EQ(read.value.method, payment.method);
    EXPECT_EQ(read.value.external_id, payment.external_id);
    EXPECT_EQ(read.value.reversal_reason, payment.reversal_reason);
    EXPECT_EQ(read.value.created_unix, payment.created_unix);
    EXPECT_EQ(read.value.created_date, payment.created_date);
    ASSERT_EQ(read.value.allocations.size(), 2u);
    EXPECT_EQ(read.value.allocations[1].invoice_id, "inv_2");
    EXPECT_EQ(read.value.allocations[1].amount_minor, 200);
  }
}

TEST(PaymentJsonTest, NoCreationTimeIsLeftOut) {
  PaymentRecord payment = SamplePayment();
  payment.created_unix = 0;
  EXPECT_FALSE(json::parse(PaymentRecordJson(payment)).contains("created"));
}

TEST(PaymentWordsTest, StatusNamesAndEventTypesAreTheContracts) {
  EXPECT_STREQ(PaymentStatusName(PaymentStatus::kSucceeded), "succeeded");
  EXPECT_STREQ(PaymentStatusName(PaymentStatus::kReversed), "reversed");
  EXPECT_STREQ(PaymentStatusName(PaymentStatus::kDeleted), "deleted");
  EXPECT_EQ(PaymentEventType(PaymentStatus::kSucceeded), "payment.succeeded");
  EXPECT_EQ(PaymentEventType(PaymentStatus::kReversed), "payment.reversed");
  EXPECT_EQ(PaymentEventType(PaymentStatus::kDeleted), "payment.deleted");
}

TEST(PaymentWordsTest, OnlyPaymentSucceededAndReversedEventsAreApplied) {
  EXPECT_TRUE(IsAppliedPaymentEventType("payment.succeeded"));
  EXPECT_TRUE(IsAppliedPaymentEventType("payment.reversed"));
  for (const char* other : {"payment.deleted", "payment.created", "account.updated", "", "payment.",
                            "PAYMENT.SUCCEEDED", "payment.succeeded "})
    EXPECT_FALSE(IsAppliedPaymentEventType(other)) << other;
}

// --- deletions

TEST(DeletionTest, SuccessIsDoneNow) {
  Result<bool> result = DeletionResult(Answer("DELETE", "/v1/invoices/inv_1", 200, InvoiceJson("deleted").dump()));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_TRUE(result.value);
}

TEST(DeletionTest, NotFoundIsDoneAlreadyGone) {
  // BP-9: deleting again must not stall the caller.
  Result<bool> result =
      DeletionResult(Answer("DELETE", "/v1/invoices/inv_1", 404, ErrorBody("not_found", "no such invoice")));
  ASSERT_TRUE(result.done()) << result.error;
  EXPECT_FALSE(result.value);
  EXPECT_EQ(result.http_status, 404);
  EXPECT_EQ(result.error_code, "not_found");
}

TEST(DeletionTest, OtherFailuresAreNotDone) {
  EXPECT_EQ(DeletionResult(Answer("DELETE", "/v1/payments/p", 503, ErrorBody("unavailable", "x"))).outcome,
            Outcome::kRetryable);
  EXPECT_EQ(DeletionResult(Answer("DELETE", "/v1/payments/p", 401, ErrorBody("unauthorized", "x"))).outcome,
            Outcome::kPermanent);
  EXPECT_EQ(DeletionResult(Answer("DELETE", "/v1/payments/p", 422, ErrorBody("missing_idempotency_key", "x"))).outcome,
            Outcome::kPermanent);
}

// --- request bodies

TEST(RequestBodyTest, NewCustomer) {
  json body = json::parse(NewCustomerBody({"17", "Acme AG", "ap@acme.ch"}));
  EXPECT_EQ(body, (json{{"external_id", "17"}, {"name", "Acme AG"}, {"email", "ap@acme.ch"}}));
}

TEST(RequestBodyTest, BytesThatAreNotUtf8DoNotThrow) {
  json body = json::parse(NewCustomerBody({"17", std::string("M\xfcller"), ""}));
  EXPECT_THAT(body["name"].get<std::string>(), HasSubstr("M"));
}

TEST(RequestBodyTest, InvoiceDocumentCarriesEveryFieldAndThePdfAsBase64) {
  // BP-1: customer, number, date, outstanding and the PDF.
  InvoiceDocument invoice;
  invoice.customer_id = "cus_1";
  invoice.external_id = "42";
  invoice.number = "INV-7";
  invoice.invoice_date = "2026-01-05";
  invoice.due_date = "2026-02-04";
  invoice.currency = "CHF";
  invoice.amount_minor = 12050;
  invoice.outstanding_minor = 2050;
  invoice.pdf = std::string("%PDF-1.7\n\0\xff\xfe binary", 20);
  json body = json::parse(InvoiceDocumentBody(invoice));
  EXPECT_EQ(body["customer_id"], "cus_1");
  EXPECT_EQ(body["external_id"], "42");
  EXPECT_EQ(body["number"], "INV-7");
  EXPECT_EQ(body["invoice_date"], "2026-01-05");
  EXPECT_EQ(body["due_date"], "2026-02-04");
  EXPECT_EQ(body["currency"], "CHF");
  EXPECT_EQ(body["amount"], 12050);
  EXPECT_EQ(body["outstanding"], 2050);
  std::string pdf;
  ASSERT_TRUE(absl::Base64Unescape(body["pdf_base64"].get<std::string>(), &pdf));
  EXPECT_EQ(pdf, invoice.pdf);
  EXPECT_EQ(body.size(), 9u);  // BP-5: nothing else (no attachments)
}

TEST(RequestBodyTest, InvoiceUpdateSendsOnlyWhatIsSet) {
  // BP-11: the new amount, outstanding, number, date and PDF.
  InvoiceUpdate update;
  EXPECT_EQ(json::parse(InvoiceUpdateBody(update)), json::object());
  update.outstanding_minor = 0;  // set to zero is still sent
  update.number = "INV-8";
  json body = json::parse(InvoiceUpdateBody(update));
  EXPECT_EQ(body, (json{{"outstanding", 0}, {"number", "INV-8"}}));
  update.invoice_date = "2026-03-01";
  update.due_date = "2026-03-31";
  update.amount_minor = 500;
  update.pdf = "PDF";
  body = json::parse(InvoiceUpdateBody(update));
  EXPECT_EQ(body["invoice_date"], "2026-03-01");
  EXPECT_EQ(body["due_date"], "2026-03-31");
  EXPECT_EQ(body["amount"], 500);
  EXPECT_EQ(body["pdf_base64"], "UERG");
  EXPECT_EQ(body.size(), 6u);
}

TEST(RequestBodyTest, NewPayment) {
  json body = json::parse(NewPaymentBody({"cus_1", "inv_1", "prepay-3", "CHF", 700}));
  EXPECT_EQ(body, (json{{"customer_id", "cus_1"},
                        {"invoice_id", "inv_1"},
                        {"amount", 700},
                        {"currency", "CHF"},
                        {"external_id", "prepay-3"}}));
}

// --- webhooks

json Event(const std::string& type, const json& payment) {
  return {{"id", "evt_1"},
          {"type", type},
          {"created", 1790000000},
          {"account_id", "acct_1"},
          {"data", {{"payment", payment}}}};
}

TEST(WebhookTest, ReadsAPaymentSucceededEvent) {
  absl::StatusOr<WebhookEvent> event = ParseWebhookEvent(Event("payment.succeeded", PaymentJson()).dump());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->id, "evt_1");
  EXPECT_EQ(event->type, "payment.succeeded");
  EXPECT_EQ(event->created_unix, 1790000000);
  EXPECT_EQ(event->payment.id, "pay_1");
  EXPECT_EQ(event->payment.status, PaymentStatus::kSucceeded);
  EXPECT_EQ(event->payment.allocations.size(), 2u);
}

TEST(WebhookTest, ReadsAPaymentReversedEvent) {
  absl::StatusOr<WebhookEvent> event = ParseWebhookEvent(Event("payment.reversed", PaymentJson("reversed")).dump());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, "payment.reversed");
  EXPECT_EQ(event->payment.status, PaymentStatus::kReversed);
  EXPECT_EQ(event->payment.reversal_reason, "chargeback");
}

TEST(WebhookTest, MalformedJsonIsRefusedClearly) {
  absl::StatusOr<WebhookEvent> event = ParseWebhookEvent("{\"id\": \"evt_1\", ");
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(event.status().message(), HasSubstr("webhook event: body is not JSON"));
}

TEST(WebhookTest, MissingFieldsAreNamed) {
  json event = Event("payment.succeeded", PaymentJson());
  event.erase("id");
  absl::StatusOr<WebhookEvent> parsed = ParseWebhookEvent(event.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("webhook event has no field \"id\""));

  event = Event("payment.succeeded", PaymentJson());
  event["data"].erase("payment");
  parsed = ParseWebhookEvent(event.dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("has no field \"payment\""));

  json payment = PaymentJson();
  payment["amount"] = "3000";
  parsed = ParseWebhookEvent(Event("payment.succeeded", payment).dump());
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("webhook event payment field \"amount\" is not a whole number"));

  parsed = ParseWebhookEvent("[1, 2]");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("not a JSON object"));
}

TEST(WebhookTest, PaymentWithoutOriginOrStatusIsRefused) {  // BP-8, BP-12
  for (const char* field : {"origin", "status"}) {
    json payment = PaymentJson();
    payment.erase(field);
    absl::StatusOr<WebhookEvent> parsed = ParseWebhookEvent(Event("payment.succeeded", payment).dump());
    ASSERT_FALSE(parsed.ok()) << field;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_THAT(parsed.status().message(), HasSubstr(absl::StrCat("webhook event payment has no field \"", field, "\"")));
  }
}

TEST(WebhookTest, OtherEventTypesAreReadWithoutAPayment) {
  // The receiver decides to ignore them; they must not fail the delivery.
  absl::StatusOr<WebhookEvent> event =
      ParseWebhookEvent(R"({"id": "evt_2", "type": "account.updated", "created": 5, "data": {"account": {}}})");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->type, "account.updated");
  EXPECT_EQ(event->payment.id, "");
}

}  // namespace
}  // namespace invoicehub::billpay
