#include "server/app/billpay_import.h"

#include <functional>
#include <memory>
#include <optional>
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

constexpr char kSucceeded[] = "payment.succeeded";
constexpr char kReversed[] = "payment.reversed";

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

// Repeating may cure these (the database was away, a race was lost); any
// other failure is a refusal that every repeat would meet again.
bool MayPassLater(const absl::Status& status) {
  return absl::IsAborted(status) || absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status) ||
         absl::IsInternal(status) || absl::IsResourceExhausted(status);
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

std::string InboxNote(const BillPayApplyOutcome& outcome) {
  return outcome.note.empty() ? BillPayApplyResultName(outcome.result)
                              : absl::StrCat(BillPayApplyResultName(outcome.result), ": ", outcome.note);
}

const char* StatusWord(billpay::PaymentStatus status) {
  switch (status) {
    case billpay::PaymentStatus::kSucceeded: return "succeeded";
    case billpay::PaymentStatus::kReversed: return "reversed";
    case billpay::PaymentStatus::kDeleted: return "deleted";
  }
  return "succeeded";
}

// An unmatched payment the import found, as an inbox row so that it is
// reported with the unmatched webhooks. Its body is our summary of the
// payment, not a vendor body: nothing reads it back.
storage::InboxEvent UnmatchedImportEvent(const billpay::PaymentRecord& payment, const BillPayApplyOutcome& outcome) {
  storage::InboxEvent event;
  event.event_id = absl::StrCat("import:", payment.id, ":", StatusWord(payment.status));
  event.event_type = absl::StrCat("payment.", StatusWord(payment.status));
  event.billpay_payment_id = payment.id;
  event.body = absl::StrCat("imported payment ", payment.id, " of bill-pay customer ", payment.customer_id, ": ",
                            payment.amount_minor, " ", payment.currency, ", ", StatusWord(payment.status));
  event.state = storage::InboxState::kUnmatched;
  event.note = InboxNote(outcome);
  return event;
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
  storage::MarkInboxEvent(tx, company_id, event_id, state, InboxNote(outcome), now);
  return outcome;
}

// Every pending inbox event of the company, oldest first. Stops at the first
// failure that may pass later (it stays pending).
absl::Status ApplyPendingInbox(storage::Database& database, int64_t company_id, const domain::Clock& clock,
                               ImportSummary& summary) {
  while (true) {
    std::vector<storage::InboxEvent> pending;
    RETURN_IF_ERROR(database.InTransaction([&](storage::Transaction& tx) {
      pending = storage::ListPendingInboxEvents(tx, company_id, kPageSize);
      return absl::OkStatus();
    }));
    if (pending.empty()) return absl::OkStatus();
    for (const storage::InboxEvent& event : pending) {
      // Every event leaves kPending here or the loop returns: no event is seen twice.
      ASSIGN_OR_RETURN(BillPayApplyOutcome outcome, ApplyInboxEvent(database, company_id, event.event_id, clock.Now()));
      Count(summary, outcome.result);
    }
  }
}

}  // namespace

bool IsAppliedWebhookType(const std::string& event_type) {
  return event_type == kSucceeded || event_type == kReversed;
}

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

  bool more = true;
  bool stuck = false;
  while (more) {
    ImportSummary page_summary;
    // One page, one transaction: the cursor row stays locked while the page
    // is read and applied, and moves only if every payment of it was applied.
    RETURN_IF_ERROR(InTransactionWithRetry(database, [&](storage::Transaction& tx) -> absl::Status {
      page_summary = ImportSummary{};
      const absl::Time now = clock.Now();
      const std::string cursor = storage::LockImportCursor(tx, company_id, now);
      billpay::Result<billpay::PaymentPage> page = gateway->ListPayments(cursor, kPageSize);
      if (!page.done())
        return absl::UnavailableError(absl::StrCat("bill-pay did not list payments (",
                                                   billpay::OutcomeName(page.outcome), "): ", page.error));
      for (const billpay::PaymentRecord& payment : page.value.payments) {
        ASSIGN_OR_RETURN(BillPayApplyOutcome outcome, ApplyBillPayPayment(tx, company_id, payment, now));
        AuditBillPayApply(tx, company_id, outcome, "ImportPayments", payment.id, now);
        if (outcome.result == BillPayApplyResult::kUnmatched) {
          spdlog::warn("billpay import company={} payment={} unmatched: {}", company_id, payment.id, outcome.note);
          storage::InsertInboxEvent(tx, company_id, UnmatchedImportEvent(payment, outcome), now);
        }
        Count(page_summary, outcome.result);
      }
      const std::string& next = page.value.next_cursor;
      if (!next.empty()) storage::SaveImportCursor(tx, company_id, next, now);
      // The page is applied and kept; asking again would only repeat it.
      stuck = page.value.has_more && (next.empty() || next == cursor);
      more = page.value.has_more && !stuck;
      return absl::OkStatus();
    }));
    summary.recorded += page_summary.recorded;
    summary.reversed += page_summary.reversed;
    summary.unchanged += page_summary.unchanged;
    summary.unmatched += page_summary.unmatched;
  }
  if (stuck) return absl::UnavailableError("bill-pay said more payments follow but gave no new cursor");
  return summary;
}

}  // namespace invoicehub::app
