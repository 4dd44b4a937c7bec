#include "storage/billpay_inbox.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "server/domain/enum_names.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kColumns[] =
    "SELECT event_id, event_type, billpay_payment_id, body, state, note, " INVOICEHUB_MICROS("received_time") ","
    " COALESCE(" INVOICEHUB_MICROS("applied_time") ", -1) FROM billpay_inbox WHERE company_id = :company_id";

// BP-12: the primary key (company, event id) makes a repeated delivery a
// no-op; the affected row count tells the caller which it was.
constexpr char kInsertEvent[] =
    "INSERT INTO billpay_inbox (company_id, event_id, event_type, billpay_payment_id, body, state, note,"
    " received_time, applied_time)"
    " VALUES (:company_id, :event_id, :event_type, :billpay_payment_id, :body, :state, :note,"
    " " INVOICEHUB_FROM_MICROS(":now") ", CASE WHEN :pending = 1 THEN NULL ELSE "
    INVOICEHUB_FROM_MICROS(":now2") " END)"
    " ON CONFLICT (company_id, event_id) DO NOTHING";

constexpr char kMarkEvent[] =
    "UPDATE billpay_inbox SET state = :state, note = :note, applied_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND event_id = :event_id AND state = 'pending'";

constexpr char kPending[] =
    " AND state = 'pending'"
    " AND (received_time, event_id) > (" INVOICEHUB_FROM_MICROS(":after_micros") ", :after_id)"
    " ORDER BY received_time, event_id LIMIT :limit";

constexpr char kPage[] =
    " AND (received_time, event_id) > (" INVOICEHUB_FROM_MICROS(":after_micros") ", :after_id)"
    " AND (:any_state = 1 OR state = :state)"
    " ORDER BY received_time, event_id LIMIT :limit";

// The names the column's CHECK constraint allows.
constexpr domain::EnumNames<InboxState, 3> kStates = {{
    {InboxState::kPending, "pending"},
    {InboxState::kApplied, "applied"},
    {InboxState::kUnmatched, "unmatched"},
}};

InboxEvent EventFromRow(const soci::row& row) {
  InboxEvent event;
  event.event_id = row.get<std::string>(0);
  event.event_type = row.get<std::string>(1);
  event.billpay_payment_id = row.get<std::string>(2);
  event.body = row.get<std::string>(3);
  event.state = domain::ValueOf(kStates, row.get<std::string>(4)).value_or(InboxState::kPending);
  event.note = row.get<std::string>(5);
  event.received_time = FromMicros(row.get<long long>(6));
  if (long long applied = row.get<long long>(7); applied >= 0) event.applied_time = FromMicros(applied);
  return event;
}

}  // namespace

std::string InboxStateName(InboxState state) { return domain::NameOf(kStates, state); }

bool InsertInboxEvent(Transaction& tx, int64_t company_id, const InboxEvent& event, absl::Time now) {
  long long company = company_id, micros = ToMicros(now), micros2 = micros;
  std::string state = InboxStateName(event.state);
  int pending = event.state == InboxState::kPending ? 1 : 0;
  soci::statement insert =
      (tx.session().prepare << kInsertEvent, soci::use(company, "company_id"), soci::use(event.event_id, "event_id"),
       soci::use(event.event_type, "event_type"), soci::use(event.billpay_payment_id, "billpay_payment_id"),
       soci::use(event.body, "body"), soci::use(state, "state"), soci::use(event.note, "note"),
       soci::use(micros, "now"), soci::use(pending, "pending"), soci::use(micros2, "now2"));
  insert.execute(true);
  return insert.get_affected_rows() == 1;
}

std::optional<InboxEvent> FindInboxEvent(Transaction& tx, int64_t company_id, const std::string& event_id,
                                         LockMode lock) {
  long long company = company_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns, " AND event_id = :event_id", LockClause(lock)),
      soci::use(company, "company_id"), soci::use(event_id, "event_id"), soci::into(row);
  if (!tx.session().got_data()) return std::nullopt;
  return EventFromRow(row);
}

InboxCursor InboxCursorAfter(const InboxEvent& event) {
  return InboxCursor{ToMicros(event.received_time), event.event_id};
}

std::vector<InboxEvent> ListPendingInboxEvents(Transaction& tx, int64_t company_id, int limit,
                                               const InboxCursor& after) {
  long long company = company_id, after_micros = after.received_micros;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, kPending), soci::use(company, "company_id"),
       soci::use(after_micros, "after_micros"), soci::use(after.event_id, "after_id"), soci::use(limit, "limit"));
  std::vector<InboxEvent> events;
  for (const soci::row& row : rows) events.push_back(EventFromRow(row));
  return events;
}

bool MarkInboxEvent(Transaction& tx, int64_t company_id, const std::string& event_id, InboxState state,
                    const std::string& note, absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  std::string state_name = InboxStateName(state);
  soci::statement update =
      (tx.session().prepare << kMarkEvent, soci::use(state_name, "state"), soci::use(note, "note"),
       soci::use(micros, "now"), soci::use(company, "company_id"), soci::use(event_id, "event_id"));
  update.execute(true);
  return update.get_affected_rows() == 1;
}

std::vector<InboxEvent> ListInboxEvents(Transaction& tx, int64_t company_id, const InboxFilter& filter,
                                        const InboxCursor& after, int limit) {
  long long company = company_id, after_micros = after.received_micros;
  int any_state = filter.state ? 0 : 1;
  std::string state = filter.state ? InboxStateName(*filter.state) : "";
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, kPage), soci::use(company, "company_id"),
       soci::use(after_micros, "after_micros"), soci::use(after.event_id, "after_id"),
       soci::use(any_state, "any_state"), soci::use(state, "state"), soci::use(limit, "limit"));
  std::vector<InboxEvent> events;
  for (const soci::row& row : rows) events.push_back(EventFromRow(row));
  return events;
}

}  // namespace invoicehub::storage
