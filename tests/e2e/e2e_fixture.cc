#include "tests/e2e/e2e_fixture.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <iostream>

#include <google/protobuf/util/message_differencer.h>

#include "invoicehub/v1/admin_service.pb.h"

namespace invoicehub::e2e {

TestServer::TestServer()
    : process(ServerProcess::Options::OnDatabase(database.url())),
      ready(process.WaitUntilReady()),
      api(std::make_unique<ApiClient>(process.grpc_address())) {}

TestServer* E2eTest::shared_ = nullptr;

std::string Unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string StatusText(const grpc::Status& status) {
  return std::to_string(static_cast<int>(status.error_code())) + " " + status.error_message();
}

std::vector<std::string> ViolationFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  v1::RpcStatus rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) return fields;
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    v1::BadRequest bad_request;
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const v1::FieldViolation& violation : bad_request.field_violations()) fields.push_back(violation.field());
  }
  return fields;
}

std::string ViolationDescription(const grpc::Status& status, const std::string& field) {
  v1::RpcStatus rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return "";
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    v1::BadRequest bad_request;
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const v1::FieldViolation& violation : bad_request.field_violations())
      if (violation.field() == field) return violation.description();
  }
  return "";
}

std::string PreconditionRule(const grpc::Status& status) {
  v1::RpcStatus rpc_status;
  if (status.error_details().empty() || !rpc_status.ParseFromString(status.error_details())) return "";
  for (const google::protobuf::Any& detail : rpc_status.details()) {
    v1::PreconditionFailure failure;
    if (detail.UnpackTo(&failure)) return failure.rule();
  }
  return "";
}

bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

std::string DateText(const v1::Date& date) {
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", date.year(), date.month(), date.day());
  return text;
}

v1::InvoiceLine Line(const std::string& description, const std::string& quantity, int64_t unit_price_minor,
                     const std::string& tax_rate_percent, const std::string& currency) {
  v1::InvoiceLine line;
  line.set_description(description);
  line.set_quantity(quantity);
  line.mutable_unit_price()->set_minor_units(unit_price_minor);
  line.mutable_unit_price()->set_currency_code(currency);
  line.set_tax_rate_percent(tax_rate_percent);
  return line;
}

void E2eTest::SetUpTestSuite() {
  if (shared_ == nullptr) shared_ = new TestServer();
}

void E2eTest::TearDownTestSuite() {
  delete shared_;
  shared_ = nullptr;
}

void E2eTest::SetUp() {
  ASSERT_NE(shared_, nullptr);
  ASSERT_TRUE(shared_->ready) << "the suite's server did not start";
}

void E2eTest::TearDown() {
  if (HasFailure() && shared_ != nullptr) std::cerr << shared_->process.LogForDiagnostics();
}

std::string E2eTest::Sql(const std::string& query) { return invoicehub::testing::QueryScalar(db_url(), query); }

int64_t E2eTest::Count(const std::string& query) { return std::stoll(Sql(query)); }

v1::CreateCompanyResponse E2eTest::NewCompany(const std::string& display_name, const std::string& currency,
                                              const std::string& time_zone) {
  v1::CreateCompanyRequest request;
  request.mutable_company()->set_display_name(display_name.empty() ? Unique("Company") : display_name);
  request.mutable_company()->set_default_currency_code(currency);
  request.mutable_company()->set_time_zone(time_zone);
  v1::CreateCompanyResponse response;
  grpc::Status status = api().admin().CreateCompany(ApiClient::Context(kOperatorKey).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CreateCompany: " << StatusText(status);
  return response;
}

v1::CreateApiKeyResponse E2eTest::NewKeyResponse(const std::string& admin_secret, v1::Role role) {
  v1::CreateApiKeyRequest request;
  request.set_display_name(Unique("key"));
  request.set_role(role);
  v1::CreateApiKeyResponse response;
  grpc::Status status = api().admin().CreateApiKey(ApiClient::Context(admin_secret).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CreateApiKey: " << StatusText(status);
  return response;
}

std::string E2eTest::NewKey(const std::string& admin_secret, v1::Role role) {
  return NewKeyResponse(admin_secret, role).secret();
}

v1::Customer E2eTest::NewCustomer(const std::string& key, const std::string& display_name, const std::string& email,
                                  int payment_terms_days) {
  v1::CreateCustomerRequest request;
  request.mutable_customer()->set_display_name(display_name.empty() ? Unique("Customer") : display_name);
  request.mutable_customer()->set_email(email.empty() ? Unique("ap") + "@example.com" : email);
  request.mutable_customer()->set_payment_terms_days(payment_terms_days);
  v1::Customer response;
  grpc::Status status = api().customers().CreateCustomer(ApiClient::Context(key).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CreateCustomer: " << StatusText(status);
  return response;
}

v1::Invoice E2eTest::NewInvoice(const std::string& key, const std::string& customer_id, const v1::Date& issue_date) {
  v1::CreateInvoiceRequest request;
  request.set_customer_id(customer_id);
  *request.mutable_issue_date() = issue_date;
  *request.add_lines() = Line("Consulting", "1.5", 15000, "8.1");
  v1::Invoice response;
  grpc::Status status = api().invoices().CreateInvoice(ApiClient::Context(key).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CreateInvoice: " << StatusText(status);
  return response;
}

v1::Invoice E2eTest::NewFinalInvoice(const std::string& key, const std::string& customer_id,
                                     const std::vector<v1::InvoiceLine>& lines) {
  v1::CreateInvoiceRequest request;
  request.set_customer_id(customer_id);
  *request.mutable_issue_date() = MakeDate(2024, 3, 10);
  for (const v1::InvoiceLine& line : lines) *request.add_lines() = line;
  v1::Invoice draft;
  grpc::Status status = api().invoices().CreateInvoice(ApiClient::Context(key).get(), request, &draft);
  EXPECT_TRUE(status.ok()) << "CreateInvoice: " << StatusText(status);
  v1::Invoice final_invoice;
  status = MoveInvoice(key, Move::kFinalize, draft.id(), draft.version(), &final_invoice);
  EXPECT_TRUE(status.ok()) << "FinalizeInvoice: " << StatusText(status);
  return final_invoice;
}

v1::Invoice E2eTest::NewFinalInvoice(const std::string& key, const std::string& customer_id) {
  return NewFinalInvoice(key, customer_id, {Line("Consulting", "1.5", 15000, "8.1")});
}

v1::Invoice E2eTest::GetInvoice(const std::string& key, const std::string& invoice_id) {
  v1::GetInvoiceRequest request;
  request.set_invoice_id(invoice_id);
  v1::Invoice invoice;
  grpc::Status status = api().invoices().GetInvoice(ApiClient::Context(key).get(), request, &invoice);
  EXPECT_TRUE(status.ok()) << "GetInvoice: " << StatusText(status);
  return invoice;
}

const char* MoveName(Move move) {
  switch (move) {
    case Move::kFinalize: return "FinalizeInvoice";
    case Move::kReissue: return "ReissueInvoice";
    case Move::kRevertToDraft: return "RevertInvoiceToDraft";
    case Move::kVoid: return "VoidInvoice";
  }
  return "?";
}

grpc::Status E2eTest::MoveInvoice(const std::string& key, Move move, const std::string& invoice_id, int64_t version,
                                  v1::Invoice* response, const std::string& reason, const std::string& request_id) {
  v1::Invoice ignored;
  v1::Invoice* out = response != nullptr ? response : &ignored;
  auto context = ApiClient::Context(key);
  switch (move) {
    case Move::kFinalize: {
      v1::FinalizeInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api().invoices().FinalizeInvoice(context.get(), request, out);
    }
    case Move::kReissue: {
      v1::ReissueInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api().invoices().ReissueInvoice(context.get(), request, out);
    }
    case Move::kRevertToDraft: {
      v1::RevertInvoiceToDraftRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_request_id(request_id);
      return api().invoices().RevertInvoiceToDraft(context.get(), request, out);
    }
    case Move::kVoid: {
      v1::VoidInvoiceRequest request;
      request.set_invoice_id(invoice_id);
      request.set_version(version);
      request.set_reason(reason);
      request.set_request_id(request_id);
      return api().invoices().VoidInvoice(context.get(), request, out);
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown move");
}

v1::Invoice E2eTest::Moved(const std::string& key, const v1::Invoice& invoice, Move move) {
  v1::Invoice response;
  grpc::Status status = MoveInvoice(key, move, invoice.id(), invoice.version(), &response);
  EXPECT_TRUE(status.ok()) << MoveName(move) << ": " << StatusText(status);
  return response;
}

v1::Payment E2eTest::NewPayment(const std::string& key, const std::string& customer_id, int64_t amount_minor,
                                const std::vector<std::pair<std::string, int64_t>>& allocations,
                                const std::string& currency) {
  v1::RecordPaymentRequest request;
  request.set_customer_id(customer_id);
  request.mutable_amount()->set_currency_code(currency);
  request.mutable_amount()->set_minor_units(amount_minor);
  *request.mutable_received_date() = MakeDate(2024, 4, 2);
  request.set_method(v1::PAYMENT_METHOD_WIRE);
  request.set_reference(Unique("ref"));
  request.set_request_id(Unique("payment"));
  for (const auto& [invoice_id, minor_units] : allocations) {
    v1::AllocationRequest* allocation = request.add_allocations();
    allocation->set_invoice_id(invoice_id);
    allocation->mutable_amount()->set_minor_units(minor_units);
  }
  v1::Payment payment;
  grpc::Status status = api().payments().RecordPayment(ApiClient::Context(key).get(), request, &payment);
  EXPECT_TRUE(status.ok()) << "RecordPayment: " << StatusText(status);
  return payment;
}

v1::Payment E2eTest::GetPayment(const std::string& key, const std::string& payment_id) {
  v1::GetPaymentRequest request;
  request.set_payment_id(payment_id);
  v1::Payment payment;
  grpc::Status status = api().payments().GetPayment(ApiClient::Context(key).get(), request, &payment);
  EXPECT_TRUE(status.ok()) << "GetPayment: " << StatusText(status);
  return payment;
}

v1::CheckLedgerResponse E2eTest::CheckLedger(const std::string& admin_key) {
  v1::CheckLedgerRequest request;
  v1::CheckLedgerResponse response;
  grpc::Status status = api().admin().CheckLedger(ApiClient::Context(admin_key).get(), request, &response);
  EXPECT_TRUE(status.ok()) << "CheckLedger: " << StatusText(status);
  return response;
}

std::string E2eTest::LedgerText(const v1::CheckLedgerResponse& report) {
  std::string text;
  for (const v1::LedgerDifference& difference : report.differences())
    text += "customer " + difference.customer_id() + " " + difference.subject() + ": " + difference.check() +
            " expected " + std::to_string(difference.expected().minor_units()) + " actual " +
            std::to_string(difference.actual().minor_units()) + "\n";
  return text;
}

void CompanyWithClerkTest::SetUp() {
  E2eTest::SetUp();
  if (HasFatalFailure()) return;
  company_ = NewCompany();
  admin_ = company_.admin_key_secret();
  clerk_ = NewKey(admin_, v1::ROLE_CLERK);
  customer_ = NewCustomer(clerk_, "Kunde AG", "", 30);
}

std::string CompanyWithClerkTest::Where() const { return " WHERE company_id = " + company_.company().id(); }

}  // namespace invoicehub::e2e
