#include "server/app/payment_actions.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "server/app/billpay_sync_plan.h"
#include "server/app/company_today.h"
#include "server/app/ledger_moves.h"
#include "server/domain/lifecycle_event.h"
#include "server/domain/status_macros.h"
#include "server/domain/update_mask.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"
#include "storage/payment_repository.h"

namespace invoicehub::app {
namespace {

using domain::InvoiceState;
using domain::InvoiceStateName;

// Moves `amount` onto `invoice` (locked by the caller) and stores it.
absl::StatusOr<Change<domain::Invoice>> ApplyToInvoice(storage::Transaction& tx, int64_t company_id,
                                                       const domain::Invoice& invoice, int64_t amount,
                                                       absl::Time now) {
  domain::Invoice next = invoice;
  SetApplied(next, invoice.applied_minor + amount);
  ASSIGN_OR_RETURN(domain::Invoice after,
                   storage::UpdateInvoice(tx, company_id, next, now, storage::LinesChange::kKeep));
  return Change<domain::Invoice>{invoice, std::move(after)};
}

domain::Allocation NewAllocation(int64_t payment_id, int64_t invoice_id, int64_t amount,
                                 domain::AllocationSource source) {
  domain::Allocation allocation;
  allocation.payment_id = payment_id;
  allocation.invoice_id = invoice_id;
  allocation.amount_minor = amount;
  allocation.source = source;
  return allocation;
}

}  // namespace

absl::StatusOr<PaymentMoveResult> RecordPayment(storage::Transaction& tx, int64_t company_id,
                                                const PaymentInput& input, absl::Time now,
                                                domain::FieldErrors errors) {
  std::string currency;
  if (input.customer_id > 0) {
    auto customer = LockCustomerLedger(tx, company_id, input.customer_id);
    if (absl::IsNotFound(customer.status())) {
      errors.Add("customer_id", "no such customer");
    } else {
      RETURN_IF_ERROR(customer.status());
      currency = customer->currency_code;
      if (input.amount.currency_code != currency)
        errors.Add("amount.currency_code", absl::StrCat("must be the customer's currency ", currency));
    }
  }
  std::vector<std::pair<domain::Invoice, int64_t>> targets;  // each invoice with the amount for it
  std::set<int64_t> seen;
  int64_t allocated = 0;
  absl::Status refusal;  // the first rule refusal, reported when the fields are fine
  for (size_t i = 0; i < input.allocations.size(); ++i) {
    const AllocationInput& allocation = input.allocations[i];
    const std::string path = absl::StrCat("allocations[", i, "]");
    if (allocation.invoice_id <= 0) continue;  // the caller reported it
    if (!seen.insert(allocation.invoice_id).second) {
      errors.Add(path + ".invoice_id", "names an invoice already allocated to in this payment");
      continue;
    }
    if (!allocation.amount.currency_code.empty() && allocation.amount.currency_code != input.amount.currency_code)
      errors.Add(path + ".amount.currency_code", "must be the payment's currency");
    std::optional<int64_t> sum = domain::CheckedAdd(allocated, std::max<int64_t>(allocation.amount.minor_units, 0));
    if (!sum) {
      errors.Add(path + ".amount.minor_units", "the allocations add up to more than 64-bit minor units");
      continue;
    }
    allocated = *sum;
    // Only the payer's invoices are locked (its ledger lock is held): locking
    // another customer's invoice could deadlock with that customer's payment.
    auto unlocked = storage::FindInvoice(tx, company_id, allocation.invoice_id, storage::LockMode::kNone,
                                         storage::InvoiceLines::kSkip);
    if (absl::IsNotFound(unlocked.status())) {
      errors.Add(path + ".invoice_id", "no such invoice");
      continue;
    }
    RETURN_IF_ERROR(unlocked.status());
    if (unlocked->customer_id != input.customer_id) {
      errors.Add(path + ".invoice_id", "belongs to another customer");
      continue;
    }
    ASSIGN_OR_RETURN(domain::Invoice invoice,
                     storage::FindInvoice(tx, company_id, allocation.invoice_id, storage::LockMode::kForUpdate));
    if (invoice.currency_code != input.amount.currency_code) {
      errors.Add(path + ".invoice_id", absl::StrCat("is in ", invoice.currency_code, ", not the payment's currency"));
      continue;
    }
    if (invoice.state != InvoiceState::kFinal) {
      // The state is the real refusal; the outstanding of a DRAFT or VOID
      // invoice means nothing to a payment.
      if (refusal.ok())
        refusal = domain::RuleViolation(
            "LC-3", absl::StrCat("payments are allocated only to FINAL invoices; invoice ", invoice.id, " is ",
                                 InvoiceStateName(invoice.state)));
      continue;
    }
    if (allocation.amount.minor_units > invoice.outstanding_minor)
      errors.Add(path + ".amount.minor_units",
                 absl::StrCat("exceeds the outstanding ", invoice.outstanding_minor, " of invoice ", invoice.id));
    targets.emplace_back(std::move(invoice), allocation.amount.minor_units);
  }
  if (allocated > input.amount.minor_units && input.amount.minor_units > 0)
    errors.Add("allocations", absl::StrCat("allocate ", allocated, " in total, more than the payment's ",
                                           input.amount.minor_units));
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(refusal);

  domain::Payment payment;
  payment.customer_id = input.customer_id;
  payment.currency_code = currency;
  payment.amount_minor = input.amount.minor_units;
  payment.unapplied_minor = input.amount.minor_units - allocated;
  if (input.received_date) {
    payment.received_date = *input.received_date;
  } else {
    ASSIGN_OR_RETURN(payment.received_date, TodayForCompany(tx, company_id, now));
  }
  payment.method = input.method;
  payment.reference = input.reference;
  ASSIGN_OR_RETURN(payment.id, storage::InsertPayment(tx, company_id, payment, now));

  PaymentMoveResult result;
  for (const auto& [invoice, amount] : targets) {
    storage::InsertAllocation(
        tx, company_id, NewAllocation(payment.id, invoice.id, amount, domain::AllocationSource::kPayment), now);
    ASSIGN_OR_RETURN(Change<domain::Invoice> change, ApplyToInvoice(tx, company_id, invoice, amount, now));
    result.invoices.push_back(std::move(change));
  }
  RETURN_IF_ERROR(RecordLifecycleEvents(tx, company_id, {{domain::LifecycleEventKind::kPaymentRecorded, 0, payment.id, payment.amount_minor}}, now).status());
  ASSIGN_OR_RETURN(result.payment, storage::FindPayment(tx, company_id, payment.id));
  return result;
}

absl::StatusOr<PaymentMoveResult> ApplyPrepayment(storage::Transaction& tx, int64_t company_id, int64_t payment_id,
                                                  int64_t invoice_id, std::optional<domain::Money> amount,
                                                  absl::Time now) {
  ASSIGN_OR_RETURN(domain::Payment unlocked_payment, storage::FindPayment(tx, company_id, payment_id));
  RETURN_IF_ERROR(LockCustomerLedger(tx, company_id, unlocked_payment.customer_id).status());
  auto unlocked =
      storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kNone, storage::InvoiceLines::kSkip);
  if (absl::IsNotFound(unlocked.status())) return domain::InvalidField("invoice_id", "no such invoice");
  RETURN_IF_ERROR(unlocked.status());
  // Only an invoice of the payer is locked (see RecordPayment).
  if (unlocked->customer_id != unlocked_payment.customer_id)
    return domain::InvalidField("invoice_id", "belongs to another customer than the payment");
  if (unlocked->currency_code != unlocked_payment.currency_code)
    return domain::InvalidField("invoice_id", absl::StrCat("is in ", unlocked->currency_code, ", the payment in ",
                                                           unlocked_payment.currency_code));
  ASSIGN_OR_RETURN(domain::Invoice invoice,
                   storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kForUpdate));
  ASSIGN_OR_RETURN(domain::Payment payment,
                   storage::FindPayment(tx, company_id, payment_id, storage::LockMode::kForUpdate));
  if (amount && !amount->currency_code.empty() && amount->currency_code != payment.currency_code)
    return domain::InvalidField("amount.currency_code",
                                absl::StrCat("must be the payment's currency ", payment.currency_code));
  if (payment.state == domain::PaymentState::kReversed)
    return domain::RuleViolation("BP-8", absl::StrCat("payment ", payment.id, " was reversed; it has no prepayment"));
  if (invoice.state != InvoiceState::kFinal && invoice.state != InvoiceState::kReissue)
    return domain::RuleViolation("LC-3", absl::StrCat("prepayments are applied only to FINAL or REISSUE invoices; "
                                                      "invoice ", invoice.id, " is ",
                                                      InvoiceStateName(invoice.state)));
  int64_t available = std::min(payment.unapplied_minor, invoice.outstanding_minor);
  int64_t applying = amount ? amount->minor_units : available;
  if (amount && applying > payment.unapplied_minor)
    return domain::InvalidField("amount.minor_units", absl::StrCat("exceeds the open prepayment ",
                                                                   payment.unapplied_minor, " of payment ", payment.id));
  if (amount && applying > invoice.outstanding_minor)
    return domain::InvalidField("amount.minor_units", absl::StrCat("exceeds the outstanding ",
                                                                   invoice.outstanding_minor, " of invoice ",
                                                                   invoice.id));
  if (applying <= 0)
    return domain::RuleViolation(
        "BP-8", absl::StrCat("nothing to apply: payment ", payment.id, " has ", payment.unapplied_minor,
                             " open and invoice ", invoice.id, " has ", invoice.outstanding_minor, " outstanding"));

  storage::InsertAllocation(
      tx, company_id, NewAllocation(payment.id, invoice.id, applying, domain::AllocationSource::kPrepayment), now);
  domain::Payment next = payment;
  next.unapplied_minor -= applying;
  storage::UpdatePayment(tx, company_id, next, now);
  PaymentMoveResult result;
  ASSIGN_OR_RETURN(Change<domain::Invoice> change, ApplyToInvoice(tx, company_id, invoice, applying, now));
  result.invoices.push_back(std::move(change));
  RETURN_IF_ERROR(RecordLifecycleEvents(tx, company_id, {{domain::LifecycleEventKind::kPrepaymentApplied, invoice.id, payment.id, applying}}, now).status());
  result.payment_before = std::move(payment);
  ASSIGN_OR_RETURN(result.payment, storage::FindPayment(tx, company_id, payment_id));
  return result;
}

absl::StatusOr<PaymentMoveResult> ReversePayment(storage::Transaction& tx, int64_t company_id, int64_t payment_id,
                                                 int64_t expected_version, const std::string& reason,
                                                 absl::Time now) {
  ASSIGN_OR_RETURN(domain::Payment unlocked, storage::FindPayment(tx, company_id, payment_id));
  RETURN_IF_ERROR(LockCustomerLedger(tx, company_id, unlocked.customer_id).status());
  ASSIGN_OR_RETURN(domain::Payment payment,
                   storage::FindPayment(tx, company_id, payment_id, storage::LockMode::kForUpdate));
  RETURN_IF_ERROR(domain::CheckVersion("version", payment.version, expected_version));
  if (payment.state == domain::PaymentState::kReversed)
    return domain::RuleViolation("BP-12", absl::StrCat("payment ", payment.id, " is already reversed"));

  PaymentMoveResult result;
  for (const domain::Allocation& allocation : payment.allocations) {
    if (allocation.state != domain::AllocationState::kApplied) continue;
    ASSIGN_OR_RETURN(domain::Invoice invoice,
                     storage::FindInvoice(tx, company_id, allocation.invoice_id, storage::LockMode::kForUpdate));
    storage::EndAllocation(tx, company_id, allocation.id, domain::AllocationState::kReversed, reason, now);
    ASSIGN_OR_RETURN(Change<domain::Invoice> change,
                     ApplyToInvoice(tx, company_id, invoice, -allocation.amount_minor, now));
    result.invoices.push_back(std::move(change));
  }
  domain::Payment next = payment;
  next.state = domain::PaymentState::kReversed;
  next.unapplied_minor = 0;
  next.reversal_reason = reason;
  storage::UpdatePayment(tx, company_id, next, now);
  RETURN_IF_ERROR(RecordLifecycleEvents(tx, company_id, {{domain::LifecycleEventKind::kPaymentReversed, 0, payment.id, payment.amount_minor}}, now).status());
  result.payment_before = std::move(payment);
  ASSIGN_OR_RETURN(result.payment, storage::FindPayment(tx, company_id, payment_id));
  return result;
}

}  // namespace invoicehub::app
