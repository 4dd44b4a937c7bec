#include "storage/sync_event_store.h"

#include <set>

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kColumns[] =
    "company_id, sync_event_id, order_key, action, invoice_id, payment_id, amount_minor, state, attempts, "
    INVOICEHUB_MICROS("next_attempt_time") ", lease_owner, last_error, result, " INVOICEHUB_MICROS("create_time")
    ", " INVOICEHUB_MICROS("update_time") ", claims, retries";

constexpr char kInsert[] =
    "INSERT INTO sync_events (company_id, order_key, action, invoice_id, payment_id, amount_minor, state,"
    " next_attempt_time, create_time, update_time)"
    " VALUES (:company_id, :order_key, :action, :invoice_id, :payment_id, :amount, 'pending', "
    INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ", " INVOICEHUB_FROM_MICROS(":now3") ")";

// A parked row holds back every later row of its invoice: the invoice keeps
// showing failed until the row is requeued.
constexpr char kMarkInvoicePending[] =
    "UPDATE invoices SET sync_state = 'pending' WHERE company_id = :company_id AND invoice_id = :invoice_id"
    " AND sync_state <> 'failed'";

// The NOT EXISTS keeps each order key's rows in id order: a row waits while
// an earlier one of its key is pending (leased or not) or parked. Rows of a
// company whose account is disabled wait too, without using up attempts.
constexpr char kClaimWhere[] =
    " WHERE e.state = 'pending' AND e.next_attempt_time <= " INVOICEHUB_FROM_MICROS(":now")
    " AND (e.lease_expire_time IS NULL OR e.lease_expire_time <= " INVOICEHUB_FROM_MICROS(":now2") ")"
    " AND EXISTS (SELECT 1 FROM billpay_accounts a WHERE a.company_id = e.company_id AND a.enabled)"
    " AND NOT EXISTS (SELECT 1 FROM sync_events p WHERE p.company_id = e.company_id"
    "   AND p.order_key = e.order_key AND p.sync_event_id < e.sync_event_id AND p.state <> 'synced')"
    " ORDER BY e.next_attempt_time, e.sync_event_id LIMIT :limit FOR UPDATE SKIP LOCKED";

constexpr char kClaimSet[] =
    " SET lease_owner = :owner, lease_expire_time = " INVOICEHUB_FROM_MICROS(":lease_end")
    ", attempts = s.attempts + 1, claims = s.claims + 1, update_time = " INVOICEHUB_FROM_MICROS(":now3")
    " FROM due WHERE s.company_id = due.company_id AND s.sync_event_id = due.sync_event_id";

// Only the owner of the claim may end it: `claims` counts every claim ever,
// so a dispatcher whose lease ran out cannot end a later claim of the row.
constexpr char kOwnLease[] =
    " WHERE company_id = :company_id AND sync_event_id = :id AND state = 'pending' AND lease_owner = :owner"
    " AND claims = :claims";

constexpr char kRefreshInvoice[] =
    "UPDATE invoices SET"
    " sync_state = COALESCE((SELECT CASE WHEN bool_or(state = 'failed') THEN 'failed'"
    "   WHEN bool_or(state = 'pending') THEN 'pending' ELSE 'synced' END"
    "   FROM sync_events WHERE company_id = :company_id AND invoice_id = :invoice_id), 'none'),"
    " sync_error = COALESCE((SELECT last_error FROM sync_events WHERE company_id = :company_id2"
    "   AND invoice_id = :invoice_id2 AND state <> 'synced' ORDER BY sync_event_id LIMIT 1), '')"
    " WHERE company_id = :company_id3 AND invoice_id = :invoice_id3";

SyncEvent FromRow(const soci::row& row) {
  SyncEvent event;
  event.company_id = row.get<long long>(0);
  event.id = row.get<long long>(1);
  event.order_key = row.get<std::string>(2);
  event.action = domain::SyncActionFromName(row.get<std::string>(3)).value_or(domain::SyncAction::kSendInvoice);
  event.invoice_id = row.get<long long>(4);
  event.payment_id = row.get<long long>(5);
  event.amount_minor = row.get<long long>(6);
  event.state = domain::SyncStateFromName(row.get<std::string>(7)).value_or(domain::SyncState::kPending);
  event.attempts = row.get<int>(8);
  event.next_attempt_time = FromMicros(row.get<long long>(9));
  event.lease_owner = row.get<std::string>(10);
  event.last_error = row.get<std::string>(11);
  event.result = row.get<std::string>(12);
  event.create_time = FromMicros(row.get<long long>(13));
  event.update_time = FromMicros(row.get<long long>(14));
  event.claims = row.get<int>(15);
  event.retries = row.get<int>(16);
  return event;
}

std::vector<SyncEvent> Rows(soci::rowset<soci::row>& rows) {
  std::vector<SyncEvent> events;
  for (const soci::row& row : rows) events.push_back(FromRow(row));
  return events;
}

// Runs `set_clause` on the claimed row if its lease is still this owner's.
bool EndLease(Transaction& tx, const SyncEvent& claimed, const std::string& set_clause, long long now_micros,
              const std::string& text, long long next_micros) {
  long long company = claimed.company_id, id = claimed.id;
  int claims = claimed.claims;
  soci::statement update =
      (tx.session().prepare << absl::StrCat("UPDATE sync_events SET ", set_clause,
                                            ", lease_owner = '', lease_expire_time = NULL, update_time = ",
                                            INVOICEHUB_FROM_MICROS(":now"), kOwnLease),
       soci::use(text, "text"), soci::use(next_micros, "next"), soci::use(now_micros, "now"),
       soci::use(company, "company_id"), soci::use(id, "id"), soci::use(claimed.lease_owner, "owner"),
       soci::use(claims, "claims"));
  update.execute(true);
  bool owned = update.get_affected_rows() == 1;
  if (owned && claimed.invoice_id != 0) RefreshInvoiceSyncState(tx, claimed.company_id, claimed.invoice_id);
  return owned;
}

}  // namespace

std::set<int64_t> AppendSyncEvents(Transaction& tx, int64_t company_id,
                                   const std::vector<domain::SyncEventDraft>& drafts, absl::Time now) {
  long long company = company_id, micros = ToMicros(now);
  std::set<int64_t> invoices;
  for (const domain::SyncEventDraft& draft : drafts) {
    std::string order_key = domain::SyncOrderKey(draft), action = domain::SyncActionName(draft.action);
    long long invoice = draft.invoice_id, payment = draft.payment_id, amount = draft.amount_minor;
    tx.session() << kInsert, soci::use(company, "company_id"), soci::use(order_key, "order_key"),
        soci::use(action, "action"), soci::use(invoice, "invoice_id"), soci::use(payment, "payment_id"),
        soci::use(amount, "amount"), soci::use(micros, "now"), soci::use(micros, "now2"),
        soci::use(micros, "now3");
    if (draft.invoice_id != 0) invoices.insert(draft.invoice_id);
  }
  std::set<int64_t> pending;
  for (long long invoice : invoices) {
    soci::statement mark = (tx.session().prepare << kMarkInvoicePending, soci::use(company, "company_id"),
                            soci::use(invoice, "invoice_id"));
    mark.execute(true);
    if (mark.get_affected_rows() == 1) pending.insert(invoice);
  }
  return pending;
}

std::vector<SyncEvent> ClaimDueSyncEvents(Transaction& tx, const std::string& owner, absl::Duration lease,
                                          int limit, absl::Time now) {
  long long micros = ToMicros(now), lease_end = ToMicros(now + lease);
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat("WITH due AS (SELECT e.company_id, e.sync_event_id FROM sync_events e",
                                            kClaimWhere, ") UPDATE sync_events s", kClaimSet, " RETURNING ",
                                            absl::StrReplaceAll(kColumns, {{"company_id,", "s.company_id,"},
                                                                           {"sync_event_id,", "s.sync_event_id,"}})),
       soci::use(micros, "now"), soci::use(micros, "now2"), soci::use(limit, "limit"), soci::use(owner, "owner"),
       soci::use(lease_end, "lease_end"), soci::use(micros, "now3"));
  return Rows(rows);
}

bool MarkSyncEventSynced(Transaction& tx, const SyncEvent& claimed, const std::string& result, absl::Time now) {
  return EndLease(tx, claimed, "state = 'synced', result = :text, last_error = '', next_attempt_time = "
                  INVOICEHUB_FROM_MICROS(":next"), ToMicros(now), result, ToMicros(now));
}

bool RescheduleSyncEvent(Transaction& tx, const SyncEvent& claimed, const std::string& error,
                         absl::Time next_attempt_time, absl::Time now) {
  return EndLease(tx, claimed, "last_error = :text, next_attempt_time = " INVOICEHUB_FROM_MICROS(":next"),
                  ToMicros(now), error, ToMicros(next_attempt_time));
}

bool ParkSyncEvent(Transaction& tx, const SyncEvent& claimed, const std::string& error, absl::Time now) {
  return EndLease(tx, claimed, "state = 'failed', last_error = :text, next_attempt_time = "
                  INVOICEHUB_FROM_MICROS(":next"), ToMicros(now), error, ToMicros(now));
}

void RefreshInvoiceSyncState(Transaction& tx, int64_t company_id, int64_t invoice_id) {
  long long company = company_id, invoice = invoice_id;
  tx.session() << kRefreshInvoice, soci::use(company, "company_id"), soci::use(invoice, "invoice_id"),
      soci::use(company, "company_id2"), soci::use(invoice, "invoice_id2"), soci::use(company, "company_id3"),
      soci::use(invoice, "invoice_id3");
}

std::vector<SyncEvent> ListSyncEvents(Transaction& tx, int64_t company_id, const SyncEventFilter& filter,
                                      int64_t after_id, int limit) {
  long long company = company_id, after = after_id, invoice = filter.invoice_id;
  std::string state = filter.state ? domain::SyncStateName(*filter.state) : "";
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat("SELECT ", kColumns,
                                            " FROM sync_events WHERE company_id = :company_id"
                                            " AND sync_event_id > :after AND (:state = '' OR state = :state2)"
                                            " AND (CAST(:invoice AS bigint) = 0 OR invoice_id = :invoice2)"
                                            " ORDER BY sync_event_id LIMIT :limit"),
       soci::use(company, "company_id"), soci::use(after, "after"), soci::use(state, "state"),
       soci::use(state, "state2"), soci::use(invoice, "invoice"), soci::use(invoice, "invoice2"),
       soci::use(limit, "limit"));
  return Rows(rows);
}

absl::StatusOr<SyncEvent> FindSyncEvent(Transaction& tx, int64_t company_id, int64_t sync_event_id) {
  long long company = company_id, id = sync_event_id;
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat("SELECT ", kColumns,
                                            " FROM sync_events WHERE company_id = :company_id"
                                            " AND sync_event_id = :id"),
       soci::use(company, "company_id"), soci::use(id, "id"));
  std::vector<SyncEvent> found = Rows(rows);
  if (found.empty()) return absl::NotFoundError(absl::StrCat("sync event ", sync_event_id, " not found"));
  return found.front();
}

void RequeueSyncEvent(Transaction& tx, int64_t company_id, int64_t sync_event_id, absl::Time now) {
  long long company = company_id, id = sync_event_id, micros = ToMicros(now);
  tx.session() << "UPDATE sync_events SET state = 'pending', attempts = 0, retries = retries + 1, lease_owner = '',"
                  " lease_expire_time = NULL, next_attempt_time = " INVOICEHUB_FROM_MICROS(":now")
                  ", update_time = " INVOICEHUB_FROM_MICROS(":now2")
                  " WHERE company_id = :company_id AND sync_event_id = :id AND state = 'failed'",
      soci::use(micros, "now"), soci::use(micros, "now2"), soci::use(company, "company_id"), soci::use(id, "id");
}

}  // namespace invoicehub::storage
