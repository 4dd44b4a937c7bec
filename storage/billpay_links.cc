#include "storage/billpay_links.h"

#include <soci/soci.h>

#include "server/domain/enum_names.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

// --- customers (BP-3)

constexpr char kSelectBillPayCustomerId[] =
    "SELECT billpay_customer_id FROM billpay_customers WHERE company_id = :company_id AND customer_id = :customer_id";

constexpr char kSelectCustomerOfBillPayCustomer[] =
    "SELECT customer_id FROM billpay_customers"
    " WHERE company_id = :company_id AND billpay_customer_id = :billpay_customer_id";

// No conflict target: a row for the same customer or for the same bill-pay
// customer is kept. A concurrent insert of the same row waits for the first
// to commit, then does nothing (BP-3: the link is saved once).
constexpr char kInsertBillPayCustomer[] =
    "INSERT INTO billpay_customers (company_id, customer_id, billpay_customer_id, create_time)"
    " VALUES (:company_id, :customer_id, :billpay_customer_id, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT DO NOTHING";

// --- invoice records (BP-4, BP-9)

constexpr char kInvoiceColumns[] =
    "SELECT billpay_invoice_id, invoice_id, pay_now_url, live::int FROM billpay_invoices"
    " WHERE company_id = :company_id";

// Only the bill-pay id is a conflict target: a second live link for the same
// invoice is a bug upstream, and the partial unique index refuses it.
constexpr char kInsertBillPayInvoice[] =
    "INSERT INTO billpay_invoices (company_id, billpay_invoice_id, invoice_id, pay_now_url, live, create_time)"
    " VALUES (:company_id, :billpay_invoice_id, :invoice_id, :pay_now_url, true, " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (company_id, billpay_invoice_id) DO NOTHING";

// A deleted link keeps its first delete time.
constexpr char kMarkBillPayInvoiceDeleted[] =
    "UPDATE billpay_invoices SET live = false, delete_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND billpay_invoice_id = :billpay_invoice_id AND live";

// --- payments (BP-8, BP-10, BP-12)

constexpr char kPaymentColumns[] =
    "SELECT billpay_payment_id, payment_id, origin, invoice_id, live::int FROM billpay_payments"
    " WHERE company_id = :company_id";

// BP-12: the primary key makes a bill-pay payment recorded once, whatever
// the number of deliveries; the affected row count tells the caller.
constexpr char kInsertBillPayPayment[] =
    "INSERT INTO billpay_payments (company_id, billpay_payment_id, payment_id, origin, invoice_id, live, create_time)"
    " VALUES (:company_id, :billpay_payment_id, :payment_id, :origin, :invoice_id, true,"
    " " INVOICEHUB_FROM_MICROS(":now") ")"
    " ON CONFLICT (company_id, billpay_payment_id) DO NOTHING";

constexpr char kMarkBillPayPaymentDeleted[] =
    "UPDATE billpay_payments SET live = false, delete_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND billpay_payment_id = :billpay_payment_id AND live";

// The names the column's CHECK constraint allows.
constexpr domain::EnumNames<BillPayPaymentOrigin, 2> kOrigins = {{
    {BillPayPaymentOrigin::kPayer, "payer"},
    {BillPayPaymentOrigin::kApi, "api"},
}};

BillPayInvoiceLink InvoiceLinkFromRow(const soci::row& row) {
  BillPayInvoiceLink link;
  link.billpay_invoice_id = row.get<std::string>(0);
  link.invoice_id = row.get<long long>(1);
  link.pay_now_url = row.get<std::string>(2);
  link.live = row.get<int>(3) != 0;
  return link;
}

BillPayPaymentLink PaymentLinkFromRow(const soci::row& row) {
  BillPayPaymentLink link;
  link.billpay_payment_id = row.get<std::string>(0);
  link.payment_id = row.get<long long>(1);
  link.origin = domain::ValueOf(kOrigins, row.get<std::string>(2)).value_or(BillPayPaymentOrigin::kPayer);
  link.invoice_id = row.get<long long>(3);
  link.live = row.get<int>(4) != 0;
  return link;
}

constexpr char kAnyBillPayCustomer[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM billpay_customers WHERE company_id = :company_id) THEN 1 ELSE 0 END";

}  // namespace

std::optional<std::string> FindBillPayCustomerId(Transaction& tx, int64_t company_id, int64_t customer_id) {
  long long company = company_id, customer = customer_id;
  std::string billpay_customer_id;
  tx.session() << kSelectBillPayCustomerId, soci::use(company, "company_id"), soci::use(customer, "customer_id"),
      soci::into(billpay_customer_id);
  if (!tx.session().got_data()) return std::nullopt;
  return billpay_customer_id;
}

std::optional<int64_t> FindCustomerOfBillPayCustomer(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_customer_id) {
  long long company = company_id, customer = 0;
  tx.session() << kSelectCustomerOfBillPayCustomer, soci::use(company, "company_id"),
      soci::use(billpay_customer_id, "billpay_customer_id"), soci::into(customer);
  if (!tx.session().got_data()) return std::nullopt;
  return customer;
}

bool HasBillPayCustomers(Transaction& tx, int64_t company_id) {
  long long company = company_id;
  int any = 0;
  tx.session() << kAnyBillPayCustomer, soci::use(company, "company_id"), soci::into(any);
  return any != 0;
}

void SaveBillPayCustomer(Transaction& tx, int64_t company_id, int64_t customer_id,
                         const std::string& billpay_customer_id, absl::Time now) {
  long long company = company_id, customer = customer_id, micros = ToMicros(now);
  tx.session() << kInsertBillPayCustomer, soci::use(company, "company_id"), soci::use(customer, "customer_id"),
      soci::use(billpay_customer_id, "billpay_customer_id"), soci::use(micros, "now");
}

std::optional<BillPayInvoiceLink> FindLiveBillPayInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  soci::row row;
  tx.session() << std::string(kInvoiceColumns) + " AND invoice_id = :invoice_id AND live",
      soci::use(company, "company_id"), soci::use(invoice, "invoice_id"), soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return InvoiceLinkFromRow(row);
}

std::optional<BillPayInvoiceLink> FindBillPayInvoice(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_invoice_id) {
  long long company = company_id;
  soci::row row;
  tx.session() << std::string(kInvoiceColumns) + " AND billpay_invoice_id = :billpay_invoice_id",
      soci::use(company, "company_id"), soci::use(billpay_invoice_id, "billpay_invoice_id"), soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return InvoiceLinkFromRow(row);
}

void SaveBillPayInvoice(Transaction& tx, int64_t company_id, const BillPayInvoiceLink& link, absl::Time now) {
  long long company = company_id, invoice = link.invoice_id, micros = ToMicros(now);
  tx.session() << kInsertBillPayInvoice, soci::use(company, "company_id"),
      soci::use(link.billpay_invoice_id, "billpay_invoice_id"), soci::use(invoice, "invoice_id"),
      soci::use(link.pay_now_url, "pay_now_url"), soci::use(micros, "now");
}

void MarkBillPayInvoiceDeleted(Transaction& tx, int64_t company_id, const std::string& billpay_invoice_id,
                               absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  tx.session() << kMarkBillPayInvoiceDeleted, soci::use(micros, "now"), soci::use(company, "company_id"),
      soci::use(billpay_invoice_id, "billpay_invoice_id");
}

std::optional<BillPayPaymentLink> FindBillPayPayment(Transaction& tx, int64_t company_id,
                                                     const std::string& billpay_payment_id) {
  long long company = company_id;
  soci::row row;
  tx.session() << std::string(kPaymentColumns) + " AND billpay_payment_id = :billpay_payment_id",
      soci::use(company, "company_id"), soci::use(billpay_payment_id, "billpay_payment_id"), soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return PaymentLinkFromRow(row);
}

std::vector<BillPayPaymentLink> LiveBillPayPaymentsOf(Transaction& tx, int64_t company_id, int64_t payment_id,
                                                      int64_t invoice_id) {
  long long company = company_id, payment = payment_id, invoice = invoice_id;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << std::string(kPaymentColumns) +
                                   " AND payment_id = :payment_id AND live"
                                   " AND (CAST(:invoice_id AS bigint) = 0 OR (origin = 'api' AND invoice_id = :invoice_id2))"
                                   " ORDER BY create_time, billpay_payment_id",
       soci::use(company, "company_id"), soci::use(payment, "payment_id"), soci::use(invoice, "invoice_id"),
       soci::use(invoice, "invoice_id2"));
  std::vector<BillPayPaymentLink> links;
  for (const soci::row& row : rows) links.push_back(PaymentLinkFromRow(row));
  return links;
}

bool InsertBillPayPayment(Transaction& tx, int64_t company_id, const BillPayPaymentLink& link, absl::Time now) {
  long long company = company_id, payment = link.payment_id, invoice = link.invoice_id, micros = ToMicros(now);
  std::string origin = domain::NameOf(kOrigins, link.origin);
  soci::statement insert =
      (tx.session().prepare << kInsertBillPayPayment, soci::use(company, "company_id"),
       soci::use(link.billpay_payment_id, "billpay_payment_id"), soci::use(payment, "payment_id"),
       soci::use(origin, "origin"), soci::use(invoice, "invoice_id"), soci::use(micros, "now"));
  insert.execute(true);
  return insert.get_affected_rows() == 1;
}

void MarkBillPayPaymentDeleted(Transaction& tx, int64_t company_id, const std::string& billpay_payment_id,
                               absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  tx.session() << kMarkBillPayPaymentDeleted, soci::use(micros, "now"), soci::use(company, "company_id"),
      soci::use(billpay_payment_id, "billpay_payment_id");
}

}  // namespace invoicehub::storage
