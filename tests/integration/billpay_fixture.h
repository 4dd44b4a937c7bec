#pragma once
// What the bill-pay apply, import and webhook tests share: a company with a
// customer known to bill-pay ("cus_1"), FINAL invoices with bill-pay records,
// payments as bill-pay reports them, webhook bodies as bill-pay sends them
// (docs/billpay-contract.md), and a fake of bill-pay's HTTP gateway that
// serves pages of the payment feed. The database is always real.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "integrations/billpay/billpay_gateway.h"
#include "server/app/billpay_accounts.h"
#include "server/app/billpay_gateways.h"
#include "server/app/billpay_payment_apply.h"
#include "server/app/invoice_actions.h"
#include "server/app/invoice_lifecycle_actions.h"
#include "server/app/ledger_check.h"
#include "server/app/secret_box.h"
#include "storage/billpay_inbox.h"
#include "storage/billpay_links.h"
#include "storage/invoice_repository.h"
#include "storage/payment_repository.h"
#include "tests/integration/integration_support.h"

namespace invoicehub::integration::billpay_test {

constexpr char kMasterKey[] = "3c1f0a9d8e7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";

inline app::SecretBox Box() { return *app::SecretBox::FromMasterKey(kMasterKey); }

// Bill-pay's payment feed as the fake serves it: a page per cursor.
class FakeFeed {
 public:
  void SetPage(const std::string& cursor, billpay::Result<billpay::PaymentPage> page) {
    std::lock_guard lock(mutex_);
    pages_[cursor] = std::move(page);
  }
  void SetPage(const std::string& cursor, std::vector<billpay::PaymentRecord> payments, const std::string& next,
               bool has_more) {
    billpay::Result<billpay::PaymentPage> page;
    page.value = billpay::PaymentPage{std::move(payments), next, has_more};
    SetPage(cursor, std::move(page));
  }
  // A cursor without a page answers an empty last page that stays there.
  billpay::Result<billpay::PaymentPage> List(const std::string& cursor) {
    std::lock_guard lock(mutex_);
    asked_.push_back(cursor);
    if (auto it = pages_.find(cursor); it != pages_.end()) return it->second;
    billpay::Result<billpay::PaymentPage> empty;
    empty.value.next_cursor = cursor;
    return empty;
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mutex_);
    return asked_;
  }
  int gateways_made() {
    std::lock_guard lock(mutex_);
    return gateways_made_;
  }
  void CountGateway() {
    std::lock_guard lock(mutex_);
    ++gateways_made_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, billpay::Result<billpay::PaymentPage>> pages_;
  std::vector<std::string> asked_;
  int gateways_made_ = 0;
};

// A fake of bill-pay's HTTP gateway (not of the database): only the payment
// feed; everything else is a call these tests never make.
class FakeGateway final : public billpay::BillPayGateway {
 public:
  explicit FakeGateway(FakeFeed& feed) : feed_(feed) {}

  billpay::Result<std::optional<billpay::CustomerRecord>> FindCustomer(const std::string&) override {
    return NotUsed<std::optional<billpay::CustomerRecord>>();
  }
  billpay::Result<billpay::CustomerRecord> CreateCustomer(const billpay::NewCustomer&, const std::string&) override {
    return NotUsed<billpay::CustomerRecord>();
  }
  billpay::Result<std::optional<billpay::InvoiceRecord>> FindInvoice(const std::string&) override {
    return NotUsed<std::optional<billpay::InvoiceRecord>>();
  }
  billpay::Result<billpay::InvoiceRecord> CreateInvoice(const billpay::InvoiceDocument&,
                                                        const std::string&) override {
    return NotUsed<billpay::InvoiceRecord>();
  }
  billpay::Result<billpay::InvoiceRecord> UpdateInvoice(const std::string&, const billpay::InvoiceUpdate&,
                                                        const std::string&) override {
    return NotUsed<billpay::InvoiceRecord>();
  }
  billpay::Result<bool> DeleteInvoice(const std::string&, const std::string&) override { return NotUsed<bool>(); }
  billpay::Result<billpay::PaymentPage> ListPayments(const std::string& after_cursor, int limit) override {
    EXPECT_GE(limit, 1);
    EXPECT_LE(limit, 100);  // the contract's bound
    return feed_.List(after_cursor);
  }
  billpay::Result<billpay::PaymentRecord> CreatePayment(const billpay::NewPayment&, const std::string&) override {
    return NotUsed<billpay::PaymentRecord>();
  }
  billpay::Result<bool> DeletePayment(const std::string&, const std::string&) override { return NotUsed<bool>(); }

 private:
  template <typename T>
  billpay::Result<T> NotUsed() {
    ADD_FAILURE() << "the fake gateway got a call these tests do not make";
    billpay::Result<T> result;
    result.outcome = billpay::Outcome::kPermanent;
    result.error = "not used";
    return result;
  }
  FakeFeed& feed_;
};

// A payment as bill-pay reports it: a payer's card payment of cus_1 in CHF.
inline billpay::PaymentRecord PayerPayment(const std::string& id, int64_t amount,
                                           std::vector<billpay::PaymentAllocation> allocations = {},
                                           billpay::PaymentStatus status = billpay::PaymentStatus::kSucceeded) {
  billpay::PaymentRecord payment;
  payment.id = id;
  payment.customer_id = "cus_1";
  payment.currency = "CHF";
  payment.amount_minor = amount;
  payment.status = status;
  payment.origin = billpay::PaymentOrigin::kPayer;
  payment.method = "card";
  payment.created_unix = 1709800000;  // 2024-03-07T08:26:40Z
  payment.created_date = "2024-03-07";
  payment.allocations = std::move(allocations);
  return payment;
}

inline billpay::PaymentRecord Reversed(billpay::PaymentRecord payment, const std::string& reason = "refund") {
  payment.status = billpay::PaymentStatus::kReversed;
  payment.reversal_reason = reason;
  return payment;
}

// The webhook body bill-pay sends for `payment` (docs/billpay-contract.md,
// "Webhooks"), written out here as the vendor would.
inline std::string WebhookBody(const std::string& event_id, const std::string& type,
                               const billpay::PaymentRecord& payment) {
  nlohmann::json allocations = nlohmann::json::array();
  for (const billpay::PaymentAllocation& allocation : payment.allocations)
    allocations.push_back({{"invoice_id", allocation.invoice_id}, {"amount", allocation.amount_minor}});
  const char* status = payment.status == billpay::PaymentStatus::kReversed  ? "reversed"
                       : payment.status == billpay::PaymentStatus::kDeleted ? "deleted"
                                                                            : "succeeded";
  nlohmann::json body = {
      {"id", event_id},
      {"type", type},
      {"created", 1709800000},
      {"account_id", "acct_test"},
      {"data",
       {{"payment",
         {{"id", payment.id},
          {"customer_id", payment.customer_id},
          {"currency", payment.currency},
          {"amount", payment.amount_minor},
          {"status", status},
          {"method", payment.method},
          {"origin", payment.origin == billpay::PaymentOrigin::kApi ? "api" : "payer"},
          {"external_id", payment.external_id},
          {"allocations", allocations},
          {"reversal_reason", payment.reversal_reason},
          {"created", payment.created_unix},
          {"sequence", 1}}}}}};
  return body.dump();
}

class BillPayTest : public ::testing::Test {
 protected:
  explicit BillPayTest(size_t pool_size = 4)
      : db_(pool_size), gateways_(db_.db(), Box(), [this](const billpay::AccountConfig&) {
          feed_.CountGateway();
          return std::make_unique<FakeGateway>(feed_);
        }) {}

  void SetUp() override {
    company_ = AddCompany(db_, "Bill-pay AG");
    customer_ = AddCustomer(db_, company_, "Payer AG");
    LinkCustomer(company_, customer_, "cus_1");
  }

  void SetTimeZone(int64_t company, const std::string& time_zone) {
    testing::ExecSql(db_.url(), absl::StrCat("UPDATE companies SET time_zone = '", time_zone,
                                             "' WHERE company_id = ", company));
  }

  // A real database trigger that makes every update of `invoice_id` affect no
  // row, so storage::UpdateInvoice answers NOT_FOUND after the payment and
  // its allocation were written: an apply that refuses halfway.
  void RefuseUpdatesOf(int64_t invoice_id) {
    testing::ExecSql(db_.url(), absl::StrCat("CREATE FUNCTION skip_update() RETURNS trigger LANGUAGE plpgsql AS $$"
                                             " BEGIN RETURN NULL; END $$"));
    testing::ExecSql(db_.url(), absl::StrCat("CREATE TRIGGER skip_update BEFORE UPDATE ON invoices FOR EACH ROW"
                                             " WHEN (OLD.invoice_id = ", invoice_id,
                                             ") EXECUTE FUNCTION skip_update()"));
  }
  void AllowUpdates() { testing::ExecSql(db_.url(), "DROP TRIGGER skip_update ON invoices"); }

  // A real database failure (INTERNAL, which may pass later) whenever
  // bill-pay payment `billpay_payment_id` is linked.
  void FailLinksOf(const std::string& billpay_payment_id) {
    testing::ExecSql(db_.url(), absl::StrCat("CREATE FUNCTION fail_link() RETURNS trigger LANGUAGE plpgsql AS $$"
                                             " BEGIN IF NEW.billpay_payment_id = '", billpay_payment_id,
                                             "' THEN RAISE EXCEPTION 'database trouble'; END IF; RETURN NEW; END $$"));
    testing::ExecSql(db_.url(), "CREATE TRIGGER fail_link BEFORE INSERT ON billpay_payments"
                                " FOR EACH ROW EXECUTE FUNCTION fail_link()");
  }
  void AllowLinks() { testing::ExecSql(db_.url(), "DROP TRIGGER fail_link ON billpay_payments"); }

  // A pending inbox event as the webhook stores it before applying it.
  void StorePending(const std::string& event_id, const billpay::PaymentRecord& payment) {
    storage::InboxEvent event;
    event.event_id = event_id;
    event.event_type = payment.status == billpay::PaymentStatus::kReversed ? "payment.reversed" : "payment.succeeded";
    event.billpay_payment_id = payment.id;
    event.body = WebhookBody(event_id, event.event_type, payment);
    Write([&](storage::Transaction& tx) { storage::InsertInboxEvent(tx, company_, event, NextCreateTime()); });
  }

  void LinkCustomer(int64_t company, int64_t customer, const std::string& billpay_customer_id) {
    Write([&](storage::Transaction& tx) {
      storage::SaveBillPayCustomer(tx, company, customer, billpay_customer_id, NextCreateTime());
    });
  }

  // Gives `company` an enabled bill-pay account with `webhook_secret`.
  void SetAccount(int64_t company, const std::string& webhook_secret) {
    app::BillPayAccountInput input;
    input.base_url = "http://127.0.0.1:9";
    input.api_key = "sk_test_import_0123456789";
    input.webhook_secret = webhook_secret;
    input.enabled = true;
    absl::StatusOr<app::BillPayAccountChange> set = db_.Run([&](storage::Transaction& tx) {
      return app::SetBillPayAccount(tx, Box(), company, input, NextCreateTime());
    });
    ASSERT_TRUE(set.ok()) << set.status();
  }

  // A FINAL invoice of `price` CHF whose bill-pay record is `billpay_invoice_id`.
  domain::Invoice LinkedFinal(int64_t price, const std::string& billpay_invoice_id, int64_t customer = 0) {
    app::InvoiceDraftInput input;
    input.customer_id = customer ? customer : customer_;
    input.issue_date = absl::CivilDay(2024, 3, 1);
    input.lines = {domain::InvoiceLineInput{"Service", "1", domain::Money{"CHF", price}, ""}};
    absl::StatusOr<domain::Invoice> draft = db_.Run(
        [&](storage::Transaction& tx) { return app::CreateDraftInvoice(tx, company_, input, NextCreateTime()); });
    EXPECT_TRUE(draft.ok()) << draft.status();
    if (!draft.ok()) return {};
    absl::StatusOr<app::InvoiceMoveResult> final = db_.Run([&](storage::Transaction& tx) {
      return app::FinalizeInvoice(tx, company_, draft->id, draft->version, NextCreateTime());
    });
    EXPECT_TRUE(final.ok()) << final.status();
    if (!final.ok()) return {};
    Write([&](storage::Transaction& tx) {
      storage::SaveBillPayInvoice(
          tx, company_,
          storage::BillPayInvoiceLink{billpay_invoice_id, draft->id, "https://pay.example/" + billpay_invoice_id, true},
          NextCreateTime());
    });
    return final->invoice.after;
  }

  absl::StatusOr<app::BillPayApplyOutcome> Apply(const billpay::PaymentRecord& payment) {
    return db_.Run(
        [&](storage::Transaction& tx) { return app::ApplyBillPayPayment(tx, company_, payment, NextCreateTime()); });
  }

  domain::Invoice Load(int64_t invoice_id) {
    absl::StatusOr<domain::Invoice> invoice =
        db_.Run([&](storage::Transaction& tx) { return storage::FindInvoice(tx, company_, invoice_id); });
    EXPECT_TRUE(invoice.ok()) << invoice.status();
    return invoice.ok() ? *invoice : domain::Invoice{};
  }

  domain::Payment LoadPayment(int64_t payment_id) {
    absl::StatusOr<domain::Payment> payment =
        db_.Run([&](storage::Transaction& tx) { return storage::FindPayment(tx, company_, payment_id); });
    EXPECT_TRUE(payment.ok()) << payment.status();
    return payment.ok() ? *payment : domain::Payment{};
  }

  // Our payment recorded for a bill-pay payment id (0 when none).
  int64_t PaymentOf(const std::string& billpay_payment_id) {
    std::optional<storage::BillPayPaymentLink> link = Read([&](storage::Transaction& tx) {
      return storage::FindBillPayPayment(tx, company_, billpay_payment_id);
    });
    return link ? link->payment_id : 0;
  }

  std::optional<storage::InboxEvent> Inbox(const std::string& event_id, int64_t company = 0) {
    return Read([&](storage::Transaction& tx) {
      return storage::FindInboxEvent(tx, company ? company : company_, event_id);
    });
  }

  std::string Count(const std::string& table, int64_t company = 0) {
    return db_.Scalar(
        absl::StrCat("SELECT count(*) FROM ", table, " WHERE company_id = ", company ? company : company_));
  }

  void ExpectLedgerClean() {
    app::LedgerReport report = Read([&](storage::Transaction& tx) { return app::CheckCompanyLedger(tx, company_); });
    for (const domain::LedgerDifference& d : report.differences)
      ADD_FAILURE() << d.subject << ": " << d.check << ": expected " << d.expected_minor << ", actual "
                    << d.actual_minor;
  }

  template <typename Body>
  void Write(Body&& body) {
    db_.Write(std::forward<Body>(body));
  }
  template <typename Body>
  auto Read(Body&& body) -> std::invoke_result_t<Body, storage::Transaction&> {
    return db_.Read(std::forward<Body>(body));
  }

  MigratedDatabase db_;
  FakeFeed feed_;
  app::BillPayGateways gateways_;
  int64_t company_ = 0;
  int64_t customer_ = 0;
};

}  // namespace invoicehub::integration::billpay_test
