#include "server/app/billpay_payment_apply.h"

#include <algorithm>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "server/app/company_today.h"
#include "server/app/ledger_moves.h"
#include "server/domain/status_macros.h"
#include "storage/audit_log.h"
#include "storage/billpay_links.h"
#include "storage/invoice_repository.h"
#include "storage/payment_repository.h"

namespace invoicehub::app {
namespace {

using billpay::PaymentRecord;
using billpay::PaymentStatus;

BillPayApplyOutcome Outcome(BillPayApplyResult result, std::string note, int64_t payment_id = 0) {
  BillPayApplyOutcome outcome;
  outcome.result = result;
  outcome.note = std::move(note);
  outcome.payment_id = payment_id;
  return outcome;
}

domain::PaymentMethod MethodOf(const std::string& billpay_method) {
  if (billpay_method == "card") return domain::PaymentMethod::kCard;
  if (billpay_method == "ach") return domain::PaymentMethod::kAch;
  return domain::PaymentMethod::kOther;
}

std::string ReversalReason(const PaymentRecord& payment) {
  return absl::StrCat("bill-pay: ", payment.reversal_reason.empty() ? "reversed" : payment.reversal_reason);
}

// The day bill-pay took the payment, in the company's time zone (dates are
// civil dates of the company: a payment made at 00:30 in Zurich is received
// that day, not the UTC day before). nullopt (today in the company's zone)
// when bill-pay sent no time.
absl::StatusOr<std::optional<absl::CivilDay>> ReceivedDate(storage::Transaction& tx, int64_t company_id,
                                                           const PaymentRecord& payment) {
  if (payment.created_unix == 0) return std::nullopt;
  // TodayForCompany is the company's civil day of any moment, not only of now.
  ASSIGN_OR_RETURN(absl::CivilDay day,
                   TodayForCompany(tx, company_id, absl::FromUnixSeconds(payment.created_unix)));
  return std::optional<absl::CivilDay>(day);
}

std::string InvoiceLabel(const domain::Invoice& invoice) {
  return invoice.number.empty() ? absl::StrCat("invoice ", invoice.id) : absl::StrCat("invoice ", invoice.number);
}

// A payment bill-pay reports that is already linked to one of ours.
absl::StatusOr<BillPayApplyOutcome> ApplyToLinked(storage::Transaction& tx, int64_t company_id,
                                                  const storage::BillPayPaymentLink& link,
                                                  const PaymentRecord& payment, absl::Time now) {
  if (link.origin == storage::BillPayPaymentOrigin::kApi)
    return Outcome(BillPayApplyResult::kUnchanged, "made by us from a prepayment (BP-8)", link.payment_id);
  // A late "succeeded" after a reversal, or a repeat: never undone, never
  // twice. A payment we deleted in bill-pay after it was reversed there is
  // listed as deleted, but its reversal reason still tells of the reversal.
  const bool reversed = payment.status == PaymentStatus::kReversed || !payment.reversal_reason.empty();
  if (!reversed)
    return Outcome(BillPayApplyResult::kUnchanged, "already applied (BP-12)", link.payment_id);
  ASSIGN_OR_RETURN(domain::Payment unlocked, storage::FindPayment(tx, company_id, link.payment_id));
  RETURN_IF_ERROR(LockCustomerLedger(tx, company_id, unlocked.customer_id).status());
  // Read again under the lock: a concurrent reversal has committed by now.
  ASSIGN_OR_RETURN(domain::Payment ours, storage::FindPayment(tx, company_id, link.payment_id));
  if (ours.state == domain::PaymentState::kReversed)
    return Outcome(BillPayApplyResult::kUnchanged, "already reversed (BP-12)", ours.id);
  ASSIGN_OR_RETURN(PaymentMoveResult move,
                   ReversePayment(tx, company_id, ours.id, ours.version, ReversalReason(payment), now));
  BillPayApplyOutcome outcome = Outcome(BillPayApplyResult::kReversed, "", ours.id);
  outcome.moves.push_back(std::move(move));
  return outcome;
}

// Which of our invoices the payment pays, and how much of each: only FINAL
// invoices of `customer`, each up to its outstanding. Locks those invoices.
// What cannot be placed stays unallocated (the customer's prepayment) and is
// explained in `notes`.
absl::StatusOr<std::vector<AllocationInput>> PlanAllocations(storage::Transaction& tx, int64_t company_id,
                                                             const domain::Customer& customer,
                                                             const PaymentRecord& payment,
                                                             std::vector<std::string>& notes) {
  std::vector<AllocationInput> allocations;
  std::map<int64_t, size_t> index_of_invoice;  // an invoice named twice (via an old and a new record) adds up
  int64_t left = payment.amount_minor;
  for (const billpay::PaymentAllocation& allocation : payment.allocations) {
    if (allocation.amount_minor <= 0) continue;
    const std::string what = absl::StrCat(allocation.amount_minor, " for bill-pay invoice ", allocation.invoice_id);
    // Live or deleted: a payment made just before a revert to DRAFT still names the old record.
    std::optional<storage::BillPayInvoiceLink> link =
        storage::FindBillPayInvoice(tx, company_id, allocation.invoice_id);
    if (!link) {
      notes.push_back(absl::StrCat(what, ": unknown here, kept as prepayment"));
      continue;
    }
    auto unlocked = storage::FindInvoice(tx, company_id, link->invoice_id, storage::LockMode::kNone,
                                         storage::InvoiceLines::kSkip);
    RETURN_IF_ERROR(unlocked.status());
    // Only the payer's invoices are locked (its ledger lock is held), as RecordPayment does.
    if (unlocked->customer_id != customer.id) {
      notes.push_back(absl::StrCat(what, ": ", InvoiceLabel(*unlocked), " is another customer's, kept as prepayment"));
      continue;
    }
    ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id, link->invoice_id,
                                                                   storage::LockMode::kForUpdate,
                                                                   storage::InvoiceLines::kSkip));
    if (invoice.state != domain::InvoiceState::kFinal) {
      notes.push_back(absl::StrCat(what, ": ", InvoiceLabel(invoice), " is ", domain::InvoiceStateName(invoice.state),
                                   ", kept as prepayment (BP-8)"));
      continue;
    }
    if (invoice.currency_code != payment.currency) {
      notes.push_back(absl::StrCat(what, ": ", InvoiceLabel(invoice), " is in ", invoice.currency_code,
                                   ", kept as prepayment"));
      continue;
    }
    auto [it, added] = index_of_invoice.emplace(invoice.id, allocations.size());
    if (added) allocations.push_back({invoice.id, domain::Money{payment.currency, 0}});
    AllocationInput& planned = allocations[it->second];
    int64_t amount = std::min({allocation.amount_minor, invoice.outstanding_minor - planned.amount.minor_units, left});
    amount = std::max<int64_t>(amount, 0);
    if (amount < allocation.amount_minor)
      notes.push_back(absl::StrCat(what, ": ", amount, " applied to ", InvoiceLabel(invoice), ", the other ",
                                   allocation.amount_minor - amount, " (over its outstanding) kept as prepayment"));
    planned.amount.minor_units += amount;
    left -= amount;
  }
  std::erase_if(allocations, [](const AllocationInput& a) { return a.amount.minor_units <= 0; });
  return allocations;
}

// A payer's payment we have not recorded yet.
absl::StatusOr<BillPayApplyOutcome> ApplyNew(storage::Transaction& tx, int64_t company_id,
                                             const PaymentRecord& payment, absl::Time now) {
  std::optional<int64_t> customer_id = storage::FindCustomerOfBillPayCustomer(tx, company_id, payment.customer_id);
  if (!customer_id)
    return Outcome(BillPayApplyResult::kUnmatched,
                   absl::StrCat("bill-pay customer ", payment.customer_id, " is not linked to a customer here"));
  // The ledger lock first, then the link again: a webhook and the import
  // applying the same payment at once take turns here, and the second finds
  // the first's link (BP-12).
  ASSIGN_OR_RETURN(domain::Customer customer, LockCustomerLedger(tx, company_id, *customer_id));
  if (std::optional<storage::BillPayPaymentLink> link = storage::FindBillPayPayment(tx, company_id, payment.id))
    return ApplyToLinked(tx, company_id, *link, payment, now);
  if (payment.status == PaymentStatus::kDeleted)
    return Outcome(BillPayApplyResult::kUnmatched, "deleted in bill-pay before it was recorded here");
  if (payment.amount_minor <= 0)
    return Outcome(BillPayApplyResult::kUnmatched, absl::StrCat("amount ", payment.amount_minor, " is not positive"));
  if (payment.currency != customer.currency_code)
    return Outcome(BillPayApplyResult::kUnmatched,
                   absl::StrCat("paid in ", payment.currency, ", but customer ", customer.id, " is billed in ",
                                customer.currency_code));

  std::vector<std::string> notes;
  PaymentInput input;
  input.customer_id = customer.id;
  input.amount = domain::Money{payment.currency, payment.amount_minor};
  ASSIGN_OR_RETURN(input.received_date, ReceivedDate(tx, company_id, payment));
  input.method = MethodOf(payment.method);
  input.reference = payment.id;
  ASSIGN_OR_RETURN(input.allocations, PlanAllocations(tx, company_id, customer, payment, notes));
  absl::StatusOr<PaymentMoveResult> recorded = RecordPayment(tx, company_id, input, now);
  // RecordPayment checks everything before it writes: a refusal left nothing behind.
  if (absl::IsInvalidArgument(recorded.status()) || absl::IsFailedPrecondition(recorded.status()))
    return Outcome(BillPayApplyResult::kUnmatched, absl::StrCat("not recorded: ", recorded.status().message()));
  RETURN_IF_ERROR(recorded.status());

  BillPayApplyOutcome outcome = Outcome(BillPayApplyResult::kRecorded, absl::StrJoin(notes, "; "),
                                        recorded->payment.id);
  storage::BillPayPaymentLink link{.billpay_payment_id = payment.id,
                                   .payment_id = recorded->payment.id,
                                   .origin = storage::BillPayPaymentOrigin::kPayer};
  // The primary key is the backstop of the lock above (BP-12).
  if (!storage::InsertBillPayPayment(tx, company_id, link, now))
    return absl::AbortedError(absl::StrCat("bill-pay payment ", payment.id, " was applied concurrently; retry"));
  const int64_t version = recorded->payment.version;
  outcome.moves.push_back(*std::move(recorded));
  // The reversal was reported before the payment itself (BP-12: any order).
  if (payment.status == PaymentStatus::kReversed) {
    ASSIGN_OR_RETURN(PaymentMoveResult reversed,
                     ReversePayment(tx, company_id, outcome.payment_id, version, ReversalReason(payment), now));
    outcome.moves.push_back(std::move(reversed));
    outcome.result = BillPayApplyResult::kRecordedAndReversed;
  }
  return outcome;
}

// --- the audit's picture of an entity, in the API's JSON names.

nlohmann::json MoneyJson(const std::string& currency, int64_t minor) {
  return {{"currency_code", currency}, {"minor_units", absl::StrCat(minor)}};
}

std::string PaymentJson(const domain::Payment& payment) {
  nlohmann::json allocations = nlohmann::json::array();
  for (const domain::Allocation& allocation : payment.allocations)
    allocations.push_back(
        {{"invoice_id", absl::StrCat(allocation.invoice_id)},
         {"amount", MoneyJson(payment.currency_code, allocation.amount_minor)},
         {"state", allocation.state == domain::AllocationState::kApplied    ? "ALLOCATION_STATE_APPLIED"
                   : allocation.state == domain::AllocationState::kReleased ? "ALLOCATION_STATE_RELEASED"
                                                                            : "ALLOCATION_STATE_REVERSED"},
         {"end_reason", allocation.end_reason}});
  nlohmann::json json = {
      {"id", absl::StrCat(payment.id)},
      {"customer_id", absl::StrCat(payment.customer_id)},
      {"amount", MoneyJson(payment.currency_code, payment.amount_minor)},
      {"received_date", absl::FormatCivilTime(payment.received_date)},
      {"method", domain::PaymentMethodName(payment.method)},
      {"reference", payment.reference},
      {"state", payment.state == domain::PaymentState::kReversed ? "PAYMENT_STATE_REVERSED" : "PAYMENT_STATE_RECEIVED"},
      {"reversal_reason", payment.reversal_reason},
      {"allocations", allocations},
      {"unapplied", MoneyJson(payment.currency_code, payment.unapplied_minor)},
      {"version", absl::StrCat(payment.version)}};
  return json.dump();
}

std::string InvoiceJson(const domain::Invoice& invoice) {
  nlohmann::json json = {{"id", absl::StrCat(invoice.id)},
                         {"customer_id", absl::StrCat(invoice.customer_id)},
                         {"state", "INVOICE_STATE_" + domain::InvoiceStateName(invoice.state)},
                         {"number", invoice.number},
                         {"total", MoneyJson(invoice.currency_code, invoice.total_minor)},
                         {"applied", MoneyJson(invoice.currency_code, invoice.applied_minor)},
                         {"outstanding", MoneyJson(invoice.currency_code, invoice.outstanding_minor)},
                         {"version", absl::StrCat(invoice.version)}};
  return json.dump();
}

}  // namespace

const char* BillPayApplyResultName(BillPayApplyResult result) {
  switch (result) {
    case BillPayApplyResult::kRecorded: return "recorded";
    case BillPayApplyResult::kReversed: return "reversed";
    case BillPayApplyResult::kRecordedAndReversed: return "recorded_and_reversed";
    case BillPayApplyResult::kUnchanged: return "unchanged";
    case BillPayApplyResult::kUnmatched: return "unmatched";
  }
  return "unchanged";
}

absl::StatusOr<BillPayApplyOutcome> ApplyBillPayPayment(storage::Transaction& tx, int64_t company_id,
                                                        const PaymentRecord& payment, absl::Time now) {
  if (payment.origin == billpay::PaymentOrigin::kApi)
    return Outcome(BillPayApplyResult::kUnchanged, "made by us from a prepayment (BP-8)");
  if (std::optional<storage::BillPayPaymentLink> link = storage::FindBillPayPayment(tx, company_id, payment.id))
    return ApplyToLinked(tx, company_id, *link, payment, now);
  return ApplyNew(tx, company_id, payment, now);
}

void AuditBillPayApply(storage::Transaction& tx, int64_t company_id, const BillPayApplyOutcome& outcome,
                       const std::string& action, const std::string& reference, absl::Time now) {
  storage::AuditEntry entry;
  entry.company_id = company_id;
  entry.actor = "billpay";
  entry.action = action;
  entry.request_id = reference;
  entry.occurred_at = now;
  for (const PaymentMoveResult& move : outcome.moves) {
    entry.entity_type = "payment";
    entry.entity_id = move.payment.id;
    entry.before_json = move.payment_before ? PaymentJson(*move.payment_before) : "";
    entry.after_json = PaymentJson(move.payment);
    storage::AppendAudit(tx, entry);
    for (const Change<domain::Invoice>& change : move.invoices) {
      entry.entity_type = "invoice";
      entry.entity_id = change.after.id;
      entry.before_json = InvoiceJson(change.before);
      entry.after_json = InvoiceJson(change.after);
      storage::AppendAudit(tx, entry);
    }
  }
}

}  // namespace invoicehub::app
