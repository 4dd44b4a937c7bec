#include "storage/lifecycle_event_store.h"

#include <soci/soci.h>

#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kInsertEvent[] =
    "INSERT INTO lifecycle_events (company_id, kind, invoice_id, payment_id, amount_minor, occurred_at)"
    " VALUES (:company_id, :kind, :invoice_id, :payment_id, :amount, " INVOICEHUB_FROM_MICROS(":now") ")";

constexpr char kSelectEvents[] =
    "SELECT kind, invoice_id, payment_id, amount_minor FROM lifecycle_events"
    " WHERE company_id = :company_id AND (:any_invoice = 1 OR invoice_id = :invoice_id) ORDER BY event_id";

}  // namespace

void AppendLifecycleEvents(Transaction& tx, int64_t company_id, const std::vector<domain::LifecycleEvent>& events,
                           absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  for (const domain::LifecycleEvent& event : events) {
    std::string kind = domain::LifecycleEventKindName(event.kind);
    long long invoice = event.invoice_id, payment = event.payment_id, amount = event.amount_minor;
    tx.session() << kInsertEvent, soci::use(company, "company_id"), soci::use(kind, "kind"),
        soci::use(invoice, "invoice_id"), soci::use(payment, "payment_id"), soci::use(amount, "amount"),
        soci::use(micros, "now");
  }
}

std::vector<domain::LifecycleEvent> ListLifecycleEvents(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  int any_invoice = invoice_id == 0 ? 1 : 0;
  soci::rowset<soci::row> rows = (tx.session().prepare << kSelectEvents, soci::use(company, "company_id"),
                                  soci::use(any_invoice, "any_invoice"), soci::use(invoice, "invoice_id"));
  std::vector<domain::LifecycleEvent> events;
  for (const soci::row& row : rows) {
    std::optional<domain::LifecycleEventKind> kind = domain::LifecycleEventKindFromName(row.get<std::string>(0));
    if (!kind) continue;
    events.push_back({*kind, row.get<long long>(1), row.get<long long>(2), row.get<long long>(3)});
  }
  return events;
}

}  // namespace invoicehub::storage
