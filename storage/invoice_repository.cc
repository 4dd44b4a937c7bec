#include "storage/invoice_repository.h"

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
    "SELECT invoice_id, customer_id, state, kind, COALESCE(number, ''), issue_date::text, due_date::text,"
    " po_number, currency_code, subtotal_minor, tax_total_minor, total_minor, applied_minor, outstanding_minor,"
    " version, " INVOICEHUB_MICROS("create_time") ", " INVOICEHUB_MICROS("update_time") ", pay_now_url,"
    " nothing_to_send::int, void_reason, sync_state, sync_error FROM invoices";

constexpr char kInsertInvoice[] =
    "INSERT INTO invoices (company_id, invoice_id, customer_id, state, kind, issue_date, due_date, po_number,"
    " currency_code, subtotal_minor, tax_total_minor, total_minor, applied_minor, outstanding_minor, create_time,"
    " update_time)"
    " VALUES (:company_id, :invoice_id, :customer_id, :state, :kind, CAST(:issue_date AS date),"
    " CAST(:due_date AS date), :po_number, :currency, :subtotal, :tax_total, :total, :applied, :outstanding,"
    " " INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ")"
    " ON CONFLICT (company_id, invoice_id) DO NOTHING";

constexpr char kUpdateInvoice[] =
    "UPDATE invoices SET state = :state, kind = :kind, number = NULLIF(:number, ''),"
    " issue_date = CAST(:issue_date AS date),"
    " due_date = CAST(:due_date AS date), po_number = :po_number, subtotal_minor = :subtotal,"
    " tax_total_minor = :tax_total, total_minor = :total, applied_minor = :applied,"
    " outstanding_minor = :outstanding, pay_now_url = :pay_now_url, nothing_to_send = (:nothing_to_send = 1),"
    " void_reason = :void_reason, version = version + 1, update_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND invoice_id = :invoice_id";

constexpr char kDeleteLines[] = "DELETE FROM invoice_lines WHERE company_id = :company_id AND invoice_id = :invoice_id";

constexpr char kInsertLine[] =
    "INSERT INTO invoice_lines (company_id, invoice_id, line_no, description, quantity_e4, unit_price_minor,"
    " tax_rate_e3, net_minor, tax_minor) VALUES (:company_id, :invoice_id, :line_no, :description, :quantity,"
    " :unit_price, :tax_rate, :net, :tax)";

// Lines of the invoices whose ids :ids lists as a PostgreSQL array literal.
constexpr char kSelectLines[] =
    "SELECT invoice_id, description, quantity_e4, unit_price_minor, tax_rate_e3, net_minor, tax_minor"
    " FROM invoice_lines WHERE company_id = :company_id AND invoice_id = ANY(CAST(:ids AS bigint[]))"
    " ORDER BY invoice_id, line_no";

constexpr char kListInvoices[] =
    " WHERE company_id = :company_id"
    " AND (create_time, invoice_id) > (" INVOICEHUB_FROM_MICROS(":after_micros") ", :after_id)"
    " AND (:any_customer = 1 OR customer_id = :customer_id)"
    " AND (:any_state = 1 OR state = :state)"
    " AND issue_date BETWEEN CAST(:from_date AS date) AND CAST(:to_date AS date)"
    " ORDER BY create_time, invoice_id LIMIT :limit";

// The names the columns' CHECK constraints allow.
constexpr domain::EnumNames<domain::InvoiceState, 4> kStates = {{
    {domain::InvoiceState::kDraft, "draft"},
    {domain::InvoiceState::kFinal, "final"},
    {domain::InvoiceState::kReissue, "reissue"},
    {domain::InvoiceState::kVoid, "void"},
}};
constexpr domain::EnumNames<domain::InvoiceKind, 3> kKinds = {{
    {domain::InvoiceKind::kSales, "sales"},
    {domain::InvoiceKind::kService, "service"},
    {domain::InvoiceKind::kContract, "contract"},
}};

constexpr domain::EnumNames<domain::InvoiceSyncState, 4> kSyncStates = {{
    {domain::InvoiceSyncState::kNone, "none"},
    {domain::InvoiceSyncState::kPending, "pending"},
    {domain::InvoiceSyncState::kSynced, "synced"},
    {domain::InvoiceSyncState::kFailed, "failed"},
}};

std::string StateName(domain::InvoiceState state) { return domain::NameOf(kStates, state); }
std::string KindName(domain::InvoiceKind kind) { return domain::NameOf(kKinds, kind); }

domain::Invoice FromRow(const soci::row& row) {
  domain::Invoice invoice;
  invoice.id = row.get<long long>(0);
  invoice.customer_id = row.get<long long>(1);
  invoice.state = domain::ValueOf(kStates, row.get<std::string>(2)).value_or(domain::InvoiceState::kDraft);
  invoice.kind = domain::ValueOf(kKinds, row.get<std::string>(3)).value_or(domain::InvoiceKind::kSales);
  invoice.number = row.get<std::string>(4);
  invoice.issue_date = DayFromSql(row.get<std::string>(5));
  invoice.due_date = DayFromSql(row.get<std::string>(6));
  invoice.po_number = row.get<std::string>(7);
  invoice.currency_code = row.get<std::string>(8);
  invoice.subtotal_minor = row.get<long long>(9);
  invoice.tax_total_minor = row.get<long long>(10);
  invoice.total_minor = row.get<long long>(11);
  invoice.applied_minor = row.get<long long>(12);
  invoice.outstanding_minor = row.get<long long>(13);
  invoice.version = row.get<long long>(14);
  invoice.create_time = FromMicros(row.get<long long>(15));
  invoice.update_time = FromMicros(row.get<long long>(16));
  invoice.pay_now_url = row.get<std::string>(17);
  invoice.nothing_to_send = row.get<int>(18) != 0;
  invoice.void_reason = row.get<std::string>(19);
  invoice.sync_state =
      domain::ValueOf(kSyncStates, row.get<std::string>(20)).value_or(domain::InvoiceSyncState::kNone);
  invoice.sync_error = row.get<std::string>(21);
  return invoice;
}

void InsertLines(Transaction& tx, int64_t company_id, int64_t invoice_id, const std::vector<domain::InvoiceLine>& lines) {
  long long company = company_id, id = invoice_id;
  tx.session() << kDeleteLines, soci::use(company, "company_id"), soci::use(id, "invoice_id");
  for (size_t i = 0; i < lines.size(); ++i) {
    const domain::InvoiceLine& line = lines[i];
    int line_no = static_cast<int>(i) + 1, tax_rate = static_cast<int>(line.tax_rate_e3);
    long long quantity = line.quantity_e4, price = line.unit_price_minor, net = line.net_minor, tax = line.tax_minor;
    tx.session() << kInsertLine, soci::use(company, "company_id"), soci::use(id, "invoice_id"),
        soci::use(line_no, "line_no"), soci::use(line.description, "description"), soci::use(quantity, "quantity"),
        soci::use(price, "unit_price"), soci::use(tax_rate, "tax_rate"), soci::use(net, "net"),
        soci::use(tax, "tax");
  }
}

// Attaches their lines to `invoices`, in one query.
void LoadLines(Transaction& tx, int64_t company_id, std::vector<domain::Invoice>& invoices) {
  if (invoices.empty()) return;
  std::map<int64_t, domain::Invoice*> by_id;
  for (domain::Invoice& invoice : invoices) by_id[invoice.id] = &invoice;
  long long company = company_id;
  std::string ids = IdArrayLiteral(invoices);
  soci::rowset<soci::row> rows =
      (tx.session().prepare << kSelectLines, soci::use(company, "company_id"), soci::use(ids, "ids"));
  for (const soci::row& row : rows) {
    auto it = by_id.find(row.get<long long>(0));
    if (it == by_id.end()) continue;
    domain::InvoiceLine line;
    line.description = row.get<std::string>(1);
    line.quantity_e4 = row.get<long long>(2);
    line.unit_price_minor = row.get<long long>(3);
    line.tax_rate_e3 = row.get<int>(4);
    line.net_minor = row.get<long long>(5);
    line.tax_minor = row.get<long long>(6);
    it->second->lines.push_back(std::move(line));
  }
}

}  // namespace

absl::StatusOr<domain::Invoice> InsertInvoice(Transaction& tx, int64_t company_id, const domain::Invoice& invoice,
                                              absl::Time now) {
  long long company = company_id, customer = invoice.customer_id;
  long long subtotal = invoice.subtotal_minor, tax_total = invoice.tax_total_minor, total = invoice.total_minor;
  long long applied = invoice.applied_minor, outstanding = invoice.outstanding_minor;
  long long micros = ToMicros(now), micros2 = micros;
  std::string state = StateName(invoice.state), kind = KindName(invoice.kind);
  std::string issue = DayToSql(invoice.issue_date), due = DayToSql(invoice.due_date);
  ASSIGN_OR_RETURN(int64_t id, InsertWithRandomId([&](long long& id) {
                     return soci::statement(
                         (tx.session().prepare << kInsertInvoice, soci::use(company, "company_id"),
                          soci::use(id, "invoice_id"), soci::use(customer, "customer_id"), soci::use(state, "state"),
                          soci::use(kind, "kind"), soci::use(issue, "issue_date"), soci::use(due, "due_date"),
                          soci::use(invoice.po_number, "po_number"), soci::use(invoice.currency_code, "currency"),
                          soci::use(subtotal, "subtotal"), soci::use(tax_total, "tax_total"),
                          soci::use(total, "total"), soci::use(applied, "applied"),
                          soci::use(outstanding, "outstanding"), soci::use(micros, "now"),
                          soci::use(micros2, "now2")));
                   }));
  InsertLines(tx, company_id, id, invoice.lines);
  return FindInvoice(tx, company_id, id);
}

absl::StatusOr<domain::Invoice> FindInvoice(Transaction& tx, int64_t company_id, int64_t invoice_id, LockMode lock,
                                            InvoiceLines lines) {
  long long company = company_id, id = invoice_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns, " WHERE company_id = :company_id AND invoice_id = :invoice_id",
                               LockClause(lock)),
      soci::use(company, "company_id"), soci::use(id, "invoice_id"), soci::into(row);
  if (!tx.session().got_data()) return absl::NotFoundError(absl::StrCat("invoice ", invoice_id, " not found"));
  std::vector<domain::Invoice> found = {FromRow(row)};
  if (lines == InvoiceLines::kLoad) LoadLines(tx, company_id, found);
  return std::move(found.front());
}

absl::StatusOr<domain::Invoice> UpdateInvoice(Transaction& tx, int64_t company_id, const domain::Invoice& invoice,
                                              absl::Time now, LinesChange lines) {
  long long company = company_id, id = invoice.id;
  long long subtotal = invoice.subtotal_minor, tax_total = invoice.tax_total_minor, total = invoice.total_minor;
  long long applied = invoice.applied_minor, outstanding = invoice.outstanding_minor, micros = ToMicros(now);
  int nothing_to_send = invoice.nothing_to_send ? 1 : 0;
  std::string state = StateName(invoice.state), kind = KindName(invoice.kind);
  std::string issue = DayToSql(invoice.issue_date), due = DayToSql(invoice.due_date);
  soci::statement update =
      (tx.session().prepare << kUpdateInvoice, soci::use(state, "state"), soci::use(kind, "kind"),
       soci::use(invoice.number, "number"), soci::use(invoice.pay_now_url, "pay_now_url"),
       soci::use(nothing_to_send, "nothing_to_send"), soci::use(invoice.void_reason, "void_reason"),
       soci::use(issue, "issue_date"), soci::use(due, "due_date"), soci::use(invoice.po_number, "po_number"),
       soci::use(subtotal, "subtotal"), soci::use(tax_total, "tax_total"), soci::use(total, "total"),
       soci::use(applied, "applied"), soci::use(outstanding, "outstanding"), soci::use(micros, "now"),
       soci::use(company, "company_id"), soci::use(id, "invoice_id"));
  update.execute(true);
  if (update.get_affected_rows() == 0) return absl::NotFoundError(absl::StrCat("invoice ", invoice.id, " not found"));
  if (lines == LinesChange::kReplace) InsertLines(tx, company_id, invoice.id, invoice.lines);
  // The row as written (version, times); its lines are those just written or
  // kept, so they need no second read.
  ASSIGN_OR_RETURN(domain::Invoice saved,
                   FindInvoice(tx, company_id, invoice.id, LockMode::kNone, InvoiceLines::kSkip));
  saved.lines = invoice.lines;
  return saved;
}

std::vector<domain::Invoice> ListInvoices(Transaction& tx, int64_t company_id, const InvoiceFilter& filter,
                                          const ListCursor& after, int limit) {
  long long company = company_id, after_micros = after.create_micros, after_id = after.id;
  long long customer = filter.customer_id;
  int any_customer = filter.customer_id == 0 ? 1 : 0, any_state = filter.state ? 0 : 1;
  std::string state = StateName(filter.state.value_or(domain::InvoiceState::kDraft));
  std::string from = DayToSql(filter.issued_from.value_or(absl::CivilDay(1, 1, 1)));
  std::string to = DayToSql(filter.issued_to.value_or(absl::CivilDay(9999, 12, 31)));
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, kListInvoices), soci::use(company, "company_id"),
       soci::use(after_micros, "after_micros"), soci::use(after_id, "after_id"),
       soci::use(any_customer, "any_customer"), soci::use(customer, "customer_id"),
       soci::use(any_state, "any_state"), soci::use(state, "state"), soci::use(from, "from_date"),
       soci::use(to, "to_date"), soci::use(limit, "limit"));
  std::vector<domain::Invoice> invoices;
  for (const soci::row& row : rows) invoices.push_back(FromRow(row));
  LoadLines(tx, company_id, invoices);
  return invoices;
}

std::vector<domain::Invoice> ListInvoicesForLedger(Transaction& tx, int64_t company_id) {
  long long company = company_id;
  soci::rowset<soci::row> rows = (tx.session().prepare << absl::StrCat(kColumns, " WHERE company_id = :company_id"),
                                  soci::use(company, "company_id"));
  std::vector<domain::Invoice> invoices;
  for (const soci::row& row : rows) invoices.push_back(FromRow(row));
  return invoices;
}

void SetInvoicePayNowUrl(Transaction& tx, int64_t company_id, int64_t invoice_id, const std::string& url) {
  long long company = company_id, invoice = invoice_id;
  tx.session() << "UPDATE invoices SET pay_now_url = :url WHERE company_id = :company_id AND invoice_id = :invoice_id",
      soci::use(url, "url"), soci::use(company, "company_id"), soci::use(invoice, "invoice_id");
}

}  // namespace invoicehub::storage
