#include "server/app/billpay_import.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "integrations/billpay/billpay_transformer.h"
#include "server/domain/status_macros.h"
#include "storage/billpay_import_cursor.h"
#include "storage/billpay_inbox.h"

namespace invoicehub::app {
namespace {

constexpr int kPageSize = 100;  // the most the contract allows
constexpr int kAttempts = 3;    // a transaction that lost a race (ABORTED) is run again this often
// A page runs again once for each payment the apply refused, so a page of
// kPageSize payments needs at most kPageSize + 1 runs; one more for a page
// that changed in between.
constexpr int kMaxPageRuns = kPageSize + 2;

// Runs `body` in a transaction, again when it was ABORTED (a deadlock, a
// serialization failure, or a payment applied concurrently): the next run
// sees what the other one committed.
absl::Status InTransactionWithRetry(storage::Database& database,
                                    const std::function<absl::Status(storage::Transaction&)>& body) {
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    status = database.InTransaction(body);
    if (!absl::IsAborted(status)) break;
  }
  return status;
}

// Repeating may cure these (the database was away or failed, a race was
// lost); any other failure is a refusal that every repeat would meet again.
bool MayPassLater(const absl::Status& status) {
  return absl::IsAborted(status) || absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsInternal(status) || absl::IsResourceExhausted(status);
}

// What the apply answers when it refuses a payment (rather than failing to
// reach the database): the same payment would be refused again.
bool IsRefusal(const absl::Status& status) {
  return absl::IsInvalidArgument(status) || absl::IsFailedPrecondition(status) || absl::IsNotFound(status);
}

void Count(ImportSummary& summary, BillPayApplyResult result) {
  switch (result) {
    case BillPayApplyResult::kRecorded: ++summary.recorded; break;
    case BillPayApplyResult::kReversed: ++summary.reversed; break;
    case BillPayApplyResult::kRecordedAndReversed:
      ++summary.recorded;
      ++summary.reversed;
      break;
    case BillPayApplyResult::kUnchanged: ++summary.unchanged; break;
    case BillPayApplyResult::kUnmatched: ++summary.unmatched; break;
  }
}

void Add(ImportSummary& total, const ImportSummary& more) {
  total.recorded += more.recorded;
  total.reversed += more.reversed;
  total.unchanged += more.unchanged;
  total.unmatched += more.unmatched;
  total.pending += more.pending;
}

std::string InboxNote(const BillPayApplyOutcome& outcome) {
  return outcome.note.empty() ? BillPayApplyResultName(outcome.result)
                              : absl::StrCat(BillPayApplyResultName(outcome.result), ": ", outcome.note);
}

// A payment recorded with a part that could not be placed (an unknown
// invoice, another customer's, one not FINAL, more than its outstanding):
// the note says which part and why, and an admin must see it.
bool HasPlacementNote(const BillPayApplyOutcome& outcome) {
  return !outcome.note.empty() && (outcome.result == BillPayApplyResult::kRecorded ||
                                   outcome.result == BillPayApplyResult::kRecordedAndReversed);
}

// The inbox event id of a payment the import found: one per payment and status.
std::string ImportEventId(const billpay::PaymentRecord& payment) {
  return absl::StrCat("import:", payment.id, ":", billpay::PaymentStatusName(payment.status));
}

// A payment the import found, kept in the inbox so that it is reported with
// the webhooks' events: unmatched (not applied), or applied with a note. The
// body is the payment as bill-pay wrote it, for whoever has to place it.
// One row per payment and status: listed again, it is not stored twice.
void KeepInInbox(storage::Transaction& tx, int64_t company_id, const billpay::PaymentRecord& payment,
                 storage::InboxState state, const std::string& note, absl::Time now) {
  storage::InboxEvent event;
  event.event_id = ImportEventId(payment);
  event.event_type = billpay::PaymentEventType(payment.status);
  event.billpay_payment_id = payment.id;
  event.body = billpay::PaymentRecordJson(payment);
  event.state = state;
  event.note = note;
  storage::InsertInboxEvent(tx, company_id, event, now);
}

// Applies the event in `tx` and marks it. An event no longer pending
// (applied meanwhile by the webhook or the import) is unchanged.
absl::StatusOr<BillPayApplyOutcome> ApplyLockedEvent(storage::Transaction& tx, int64_t company_id,
                                                     const std::string& event_id, absl::Time now) {
  std::optional<storage::InboxEvent> event =
      storage::FindInboxEvent(tx, company_id, event_id, storage::LockMode::kForUpdate);
  BillPayApplyOutcome outcome;
  if (!event || event->state != storage::InboxState::kPending) {
    outcome.note = "no longer pending";
    return outcome;
  }
  absl::StatusOr<billpay::WebhookEvent> parsed = billpay::ParseWebhookEvent(event->body);
  if (!parsed.ok()) {
    outcome.result = BillPayApplyResult::kUnmatched;
    outcome.note = absl::StrCat("unreadable body: ", parsed.status().message());
  } else if (!IsAppliedWebhookType(parsed->type)) {
    outcome.note = "ignored type";
  } else {
    ASSIGN_OR_RETURN(outcome, ApplyBillPayPayment(tx, company_id, parsed->payment, now));
    AuditBillPayApply(tx, company_id, outcome, "BillPayWebhook", event_id, now);
  }
  storage::InboxState state = outcome.result == BillPayApplyResult::kUnmatched ? storage::InboxState::kUnmatched
                                                                               : storage::InboxState::kApplied;
  // The note of a recorded payment says what of it could not be placed.
  storage::MarkInboxEvent(tx, company_id, event_id, state, InboxNote(outcome), now);
  return outcome;
}

// Every pending inbox event of the company, oldest first. One that fails in
// a way that may pass later stays pending for the next import and is
// counted; the rest go on (the feed lists the same payments in any case).
absl::Status ApplyPendingInbox(storage::Database& database, int64_t company_id, const domain::Clock& clock,
                               ImportSummary& summary) {
  storage::InboxCursor after;
  while (true) {
    std::vector<storage::InboxEvent> pending;
    RETURN_IF_ERROR(database.InTransaction([&](storage::Transaction& tx) {
      pending = storage::ListPendingInboxEvents(tx, company_id, kPageSize, after);
      return absl::OkStatus();
    }));
    if (pending.empty()) return absl::OkStatus();
    for (const storage::InboxEvent& event : pending) {
      // Past it whatever happens: an event left pending is not seen twice in one import.
      after = storage::InboxCursorAfter(event);
      absl::StatusOr<BillPayApplyOutcome> outcome =
          ApplyInboxEvent(database, company_id, event.event_id, clock.Now());
      if (!outcome.ok()) {
        ++summary.pending;
        spdlog::warn("billpay import company={} event={} left pending for the next import: {}", company_id,
                     event.event_id, std::string(outcome.status().message()));
        continue;
      }
      Count(summary, outcome->result);
    }
  }
}

struct PageImport {
  ImportSummary summary;
  bool more = false;   // another page follows
  bool stuck = false;  // bill-pay said more follow but gave no new cursor
};

// One page of the feed in one transaction: the cursor row stays locked while
// the page is read and applied, and moves only if every payment of it was
// applied or kept in the inbox. A database failure takes the whole page
// back (the cursor must not pass a payment that was not applied). A payment
// the apply refuses also takes the page back, because it may have written
// part of itself first; the page then runs again without applying it, and
// it is kept in the inbox as unmatched, with the reason.
absl::StatusOr<PageImport> ImportPage(storage::Database& database, billpay::BillPayGateway& gateway,
                                      int64_t company_id, const domain::Clock& clock) {
  // By inbox event id ("import:<id>:<status>"), the reason it was refused.
  std::map<std::string, std::string> refused;
  // The page as read, with its cursor: a run from the same cursor reuses it.
  std::optional<std::pair<std::string, billpay::PaymentPage>> fetched;
  PageImport result;
  for (int run = 0; run < kMaxPageRuns; ++run) {
    bool run_again = false;
    absl::Status status = InTransactionWithRetry(database, [&](storage::Transaction& tx) -> absl::Status {
      result = PageImport{};
      run_again = false;
      const absl::Time now = clock.Now();
      const std::string cursor = storage::LockImportCursor(tx, company_id, now);
      if (!fetched || fetched->first != cursor) {
        billpay::Result<billpay::PaymentPage> page = gateway.ListPayments(cursor, kPageSize);
        if (!page.done())
          return absl::UnavailableError(absl::StrCat("bill-pay did not list payments (",
                                                     billpay::OutcomeName(page.outcome), "): ", page.error));
        fetched.emplace(cursor, std::move(page.value));
      }
      const billpay::PaymentPage& page = fetched->second;
      for (const billpay::PaymentRecord& payment : page.payments) {
        const std::string event_id = ImportEventId(payment);
        if (auto it = refused.find(event_id); it != refused.end()) {
          const std::string note = absl::StrCat("unmatched: not applied: ", it->second);
          spdlog::warn("billpay import company={} payment={} {}", company_id, payment.id, note);
          KeepInInbox(tx, company_id, payment, storage::InboxState::kUnmatched, note, now);
          ++result.summary.unmatched;
          continue;
        }
        absl::StatusOr<BillPayApplyOutcome> outcome = ApplyBillPayPayment(tx, company_id, payment, now);
        if (IsRefusal(outcome.status())) {
          refused.emplace(event_id, std::string(outcome.status().message()));
          run_again = true;
          return absl::CancelledError("the page runs again without the refused payment");
        }
        RETURN_IF_ERROR(outcome.status());
        AuditBillPayApply(tx, company_id, *outcome, "ImportPayments", payment.id, now);
        if (outcome->result == BillPayApplyResult::kUnmatched) {
          spdlog::warn("billpay import company={} payment={} unmatched: {}", company_id, payment.id, outcome->note);
          KeepInInbox(tx, company_id, payment, storage::InboxState::kUnmatched, InboxNote(*outcome), now);
        } else if (HasPlacementNote(*outcome)) {
          spdlog::warn("billpay import company={} payment={} {}", company_id, payment.id, InboxNote(*outcome));
          KeepInInbox(tx, company_id, payment, storage::InboxState::kApplied, InboxNote(*outcome), now);
        }
        Count(result.summary, outcome->result);
      }
      const std::string& next = page.next_cursor;
      if (!next.empty()) storage::SaveImportCursor(tx, company_id, next, now);
      // The page is applied and kept; asking again would only repeat it.
      result.stuck = page.has_more && (next.empty() || next == cursor);
      result.more = page.has_more && !result.stuck;
      return absl::OkStatus();
    });
    if (run_again) continue;
    RETURN_IF_ERROR(status);
    return result;
  }
  return absl::InternalError(absl::StrCat("bill-pay's payment page kept changing while ", refused.size(),
                                          " of its payments were refused; nothing of it was applied"));
}

}  // namespace

bool IsAppliedWebhookType(const std::string& event_type) { return billpay::IsAppliedPaymentEventType(event_type); }

absl::StatusOr<BillPayApplyOutcome> ApplyInboxEvent(storage::Database& database, int64_t company_id,
                                                    const std::string& event_id, absl::Time now) {
  BillPayApplyOutcome outcome;
  absl::Status status = InTransactionWithRetry(database, [&](storage::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(outcome, ApplyLockedEvent(tx, company_id, event_id, now));
    return absl::OkStatus();
  });
  if (status.ok()) {
    if (outcome.result == BillPayApplyResult::kUnmatched)
      spdlog::warn("billpay inbox company={} event={} unmatched: {}", company_id, event_id, outcome.note);
    else if (HasPlacementNote(outcome))
      spdlog::warn("billpay inbox company={} event={} {}", company_id, event_id, InboxNote(outcome));
    return outcome;
  }
  if (MayPassLater(status)) return status;
  // Nothing was applied (the transaction rolled back); the event is kept and
  // reported instead of being retried forever.
  outcome = BillPayApplyOutcome{};
  outcome.result = BillPayApplyResult::kUnmatched;
  outcome.note = absl::StrCat("not applied: ", status.message());
  spdlog::warn("billpay inbox company={} event={} unmatched: {}", company_id, event_id, outcome.note);
  RETURN_IF_ERROR(database.InTransaction([&](storage::Transaction& tx) {
    storage::MarkInboxEvent(tx, company_id, event_id, storage::InboxState::kUnmatched, InboxNote(outcome), now);
    return absl::OkStatus();
  }));
  return outcome;
}

absl::StatusOr<ImportSummary> ImportBillPayPayments(BillPayGateways& gateways, int64_t company_id,
                                                    const domain::Clock& clock) {
  ASSIGN_OR_RETURN(std::shared_ptr<billpay::BillPayGateway> gateway, gateways.ForCompany(company_id));
  storage::Database& database = gateways.database();
  ImportSummary summary;
  RETURN_IF_ERROR(ApplyPendingInbox(database, company_id, clock, summary));
  for (bool more = true; more;) {
    ASSIGN_OR_RETURN(PageImport page, ImportPage(database, *gateway, company_id, clock));
    Add(summary, page.summary);
    if (page.stuck) return absl::UnavailableError("bill-pay said more payments follow but gave no new cursor");
    more = page.more;
  }
  if (summary.pending > 0)
    spdlog::warn("billpay import company={} left {} inbox events pending for the next import", company_id,
                 summary.pending);
  return summary;
}

}  // namespace invoicehub::app
