#include "storage/payment_repository.h"

#include <map>

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "server/domain/enum_names.h"
#include "server/domain/status_macros.h"
#include "storage/record_ids.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kColumns[] =
    "SELECT payment_id, customer_id, currency_code, amount_minor, unapplied_minor, received_date::text, method,"
    " reference, state, reversal_reason, version, " INVOICEHUB_MICROS("create_time") ", "
    INVOICEHUB_MICROS("update_time") " FROM payments";

constexpr char kInsertPayment[] =
    "INSERT INTO payments (company_id, payment_id, customer_id, currency_code, amount_minor, unapplied_minor,"
    " received_date, method, reference, state, create_time, update_time)"
    " VALUES (:company_id, :payment_id, :customer_id, :currency, :amount, :unapplied, CAST(:received AS date),"
    " :method, :reference, 'received', " INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ")"
    " ON CONFLICT (company_id, payment_id) DO NOTHING";

constexpr char kUpdatePayment[] =
    "UPDATE payments SET state = :state, unapplied_minor = :unapplied, reversal_reason = :reason,"
    " version = version + 1, update_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND payment_id = :payment_id";

constexpr char kInsertAllocation[] =
    "INSERT INTO payment_allocations (company_id, payment_id, invoice_id, amount_minor, source, state, create_time)"
    " VALUES (:company_id, :payment_id, :invoice_id, :amount, :source, 'applied', " INVOICEHUB_FROM_MICROS(":now") ")";

constexpr char kEndAllocation[] =
    "UPDATE payment_allocations SET state = :state, end_reason = :reason, end_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND allocation_id = :allocation_id AND state = 'applied'";

constexpr char kAllocationColumns[] =
    "SELECT allocation_id, payment_id, invoice_id, amount_minor, source, state, end_reason,"
    " " INVOICEHUB_MICROS("create_time") ", COALESCE(" INVOICEHUB_MICROS("end_time") ", -1)"
    " FROM payment_allocations WHERE company_id = :company_id";

constexpr char kListPayments[] =
    " WHERE company_id = :company_id"
    " AND (create_time, payment_id) > (" INVOICEHUB_FROM_MICROS(":after_micros") ", :after_id)"
    " AND (:any_customer = 1 OR customer_id = :customer_id)"
    " AND (:open_only = 0 OR unapplied_minor > 0)"
    " ORDER BY create_time, payment_id LIMIT :limit";

// The names the columns' CHECK constraints allow.
constexpr domain::EnumNames<domain::PaymentState, 2> kPaymentStates = {{
    {domain::PaymentState::kReceived, "received"},
    {domain::PaymentState::kReversed, "reversed"},
}};
constexpr domain::EnumNames<domain::AllocationSource, 2> kAllocationSources = {{
    {domain::AllocationSource::kPayment, "payment"},
    {domain::AllocationSource::kPrepayment, "prepayment"},
}};
constexpr domain::EnumNames<domain::AllocationState, 3> kAllocationStates = {{
    {domain::AllocationState::kApplied, "applied"},
    {domain::AllocationState::kReleased, "released"},
    {domain::AllocationState::kReversed, "reversed"},
}};

domain::Payment PaymentFromRow(const soci::row& row) {
  domain::Payment payment;
  payment.id = row.get<long long>(0);
  payment.customer_id = row.get<long long>(1);
  payment.currency_code = row.get<std::string>(2);
  payment.amount_minor = row.get<long long>(3);
  payment.unapplied_minor = row.get<long long>(4);
  payment.received_date = DayFromSql(row.get<std::string>(5));
  payment.method = domain::PaymentMethodFromName(row.get<std::string>(6)).value_or(domain::PaymentMethod::kOther);
  payment.reference = row.get<std::string>(7);
  payment.state = domain::ValueOf(kPaymentStates, row.get<std::string>(8)).value_or(domain::PaymentState::kReceived);
  payment.reversal_reason = row.get<std::string>(9);
  payment.version = row.get<long long>(10);
  payment.create_time = FromMicros(row.get<long long>(11));
  payment.update_time = FromMicros(row.get<long long>(12));
  return payment;
}

domain::Allocation AllocationFromRow(const soci::row& row) {
  domain::Allocation allocation;
  allocation.id = row.get<long long>(0);
  allocation.payment_id = row.get<long long>(1);
  allocation.invoice_id = row.get<long long>(2);
  allocation.amount_minor = row.get<long long>(3);
  allocation.source =
      domain::ValueOf(kAllocationSources, row.get<std::string>(4)).value_or(domain::AllocationSource::kPayment);
  allocation.state =
      domain::ValueOf(kAllocationStates, row.get<std::string>(5)).value_or(domain::AllocationState::kApplied);
  allocation.end_reason = row.get<std::string>(6);
  allocation.create_time = FromMicros(row.get<long long>(7));
  if (long long end = row.get<long long>(8); end >= 0) allocation.end_time = FromMicros(end);
  return allocation;
}

// Attaches their allocations to `payments`. With `all_of_company` they are
// every payment of the company, and one query reads every allocation;
// otherwise the query names the payments' ids.
void LoadAllocations(Transaction& tx, int64_t company_id, std::vector<domain::Payment>& payments,
                     bool all_of_company) {
  if (payments.empty()) return;
  std::map<int64_t, domain::Payment*> by_id;
  for (domain::Payment& payment : payments) by_id[payment.id] = &payment;
  long long company = company_id;
  std::string ids = all_of_company ? "" : IdArrayLiteral(payments);
  std::string sql = absl::StrCat(kAllocationColumns,
                                 all_of_company ? "" : " AND payment_id = ANY(CAST(:ids AS bigint[]))", " ORDER BY allocation_id");
  std::vector<domain::Allocation> allocations;
  if (all_of_company) {
    soci::rowset<soci::row> rows = (tx.session().prepare << sql, soci::use(company, "company_id"));
    for (const soci::row& row : rows) allocations.push_back(AllocationFromRow(row));
  } else {
    soci::rowset<soci::row> rows =
        (tx.session().prepare << sql, soci::use(company, "company_id"), soci::use(ids, "ids"));
    for (const soci::row& row : rows) allocations.push_back(AllocationFromRow(row));
  }
  for (domain::Allocation& allocation : allocations)
    if (auto it = by_id.find(allocation.payment_id); it != by_id.end())
      it->second->allocations.push_back(std::move(allocation));
}

}  // namespace

absl::StatusOr<int64_t> InsertPayment(Transaction& tx, int64_t company_id, const domain::Payment& payment,
                                      absl::Time now) {
  long long company = company_id, customer = payment.customer_id, amount = payment.amount_minor;
  long long unapplied = payment.unapplied_minor, micros = ToMicros(now), micros2 = micros;
  std::string received = DayToSql(payment.received_date), method = domain::PaymentMethodName(payment.method);
  return InsertWithRandomId([&](long long& id) {
    return soci::statement((tx.session().prepare << kInsertPayment, soci::use(company, "company_id"),
                            soci::use(id, "payment_id"), soci::use(customer, "customer_id"),
                            soci::use(payment.currency_code, "currency"), soci::use(amount, "amount"),
                            soci::use(unapplied, "unapplied"), soci::use(received, "received"),
                            soci::use(method, "method"), soci::use(payment.reference, "reference"),
                            soci::use(micros, "now"), soci::use(micros2, "now2")));
  });
}

void InsertAllocation(Transaction& tx, int64_t company_id, const domain::Allocation& allocation, absl::Time now) {
  long long company = company_id, payment = allocation.payment_id, invoice = allocation.invoice_id;
  long long amount = allocation.amount_minor, micros = ToMicros(now);
  std::string source = domain::NameOf(kAllocationSources, allocation.source);
  tx.session() << kInsertAllocation, soci::use(company, "company_id"), soci::use(payment, "payment_id"),
      soci::use(invoice, "invoice_id"), soci::use(amount, "amount"), soci::use(source, "source"),
      soci::use(micros, "now");
}

void EndAllocation(Transaction& tx, int64_t company_id, int64_t allocation_id, domain::AllocationState state,
                   const std::string& reason, absl::Time now) {
  long long company = company_id, id = allocation_id, micros = ToMicros(now);
  std::string state_name = domain::NameOf(kAllocationStates, state);
  tx.session() << kEndAllocation, soci::use(state_name, "state"), soci::use(reason, "reason"),
      soci::use(micros, "now"), soci::use(company, "company_id"), soci::use(id, "allocation_id");
}

absl::StatusOr<domain::Payment> FindPayment(Transaction& tx, int64_t company_id, int64_t payment_id, LockMode lock) {
  long long company = company_id, id = payment_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns, " WHERE company_id = :company_id AND payment_id = :payment_id",
                               LockClause(lock)),
      soci::use(company, "company_id"), soci::use(id, "payment_id"), soci::into(row);
  if (!tx.session().got_data()) return absl::NotFoundError(absl::StrCat("payment ", payment_id, " not found"));
  std::vector<domain::Payment> found = {PaymentFromRow(row)};
  LoadAllocations(tx, company_id, found, false);
  return std::move(found.front());
}

void UpdatePayment(Transaction& tx, int64_t company_id, const domain::Payment& payment, absl::Time now) {
  long long company = company_id, id = payment.id, unapplied = payment.unapplied_minor, micros = ToMicros(now);
  std::string state = domain::NameOf(kPaymentStates, payment.state);
  tx.session() << kUpdatePayment, soci::use(state, "state"), soci::use(unapplied, "unapplied"),
      soci::use(payment.reversal_reason, "reason"), soci::use(micros, "now"), soci::use(company, "company_id"),
      soci::use(id, "payment_id");
}

std::vector<domain::Allocation> AppliedAllocationsOfInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kAllocationColumns,
                                            " AND invoice_id = :invoice_id AND state = 'applied' ORDER BY allocation_id"),
       soci::use(company, "company_id"), soci::use(invoice, "invoice_id"));
  std::vector<domain::Allocation> allocations;
  for (const soci::row& row : rows) allocations.push_back(AllocationFromRow(row));
  return allocations;
}

std::vector<domain::Payment> ListPayments(Transaction& tx, int64_t company_id, const PaymentFilter& filter,
                                          const ListCursor& after, int limit) {
  long long company = company_id, after_micros = after.create_micros, after_id = after.id;
  long long customer = filter.customer_id;
  int any_customer = filter.customer_id == 0 ? 1 : 0, open_only = filter.open_credit_only ? 1 : 0;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, kListPayments), soci::use(company, "company_id"),
       soci::use(after_micros, "after_micros"), soci::use(after_id, "after_id"),
       soci::use(any_customer, "any_customer"), soci::use(customer, "customer_id"),
       soci::use(open_only, "open_only"), soci::use(limit, "limit"));
  std::vector<domain::Payment> payments;
  for (const soci::row& row : rows) payments.push_back(PaymentFromRow(row));
  LoadAllocations(tx, company_id, payments, false);
  return payments;
}

std::vector<domain::Payment> ListPaymentsForLedger(Transaction& tx, int64_t company_id) {
  long long company = company_id;
  soci::rowset<soci::row> rows = (tx.session().prepare << absl::StrCat(kColumns, " WHERE company_id = :company_id"),
                                  soci::use(company, "company_id"));
  std::vector<domain::Payment> payments;
  for (const soci::row& row : rows) payments.push_back(PaymentFromRow(row));
  LoadAllocations(tx, company_id, payments, true);
  return payments;
}

}  // namespace invoicehub::storage
