#include "server/domain/ledger.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::domain {
namespace {

using CustomerCurrency = std::pair<int64_t, std::string>;

// Sums are 128-bit: however many rows there are, and whatever is in them, a
// sum cannot wrap and hide a difference.
using Sum = absl::int128;

// The balance identity's four sums for one customer and currency.
struct CustomerSums {
  Sum received = 0;
  Sum applied_to_invoices = 0;
  Sum open_prepayments = 0;
  Sum reversed = 0;
};

// A sum as the int64 a difference reports, saturated if it does not fit.
int64_t Reported(Sum sum) {
  if (sum > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (sum < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(sum);
}

class LedgerChecker {
 public:
  explicit LedgerChecker(const LedgerSnapshot& snapshot) : snapshot_(snapshot) {
    for (const Invoice& invoice : snapshot.invoices) invoices_[invoice.id] = &invoice;
  }

  std::vector<LedgerDifference> Run() {
    std::map<int64_t, Sum> applied_by_invoice;
    for (const Payment& payment : snapshot_.payments) CheckPayment(payment, applied_by_invoice);
    for (const Invoice& invoice : snapshot_.invoices) CheckInvoice(invoice, applied_by_invoice[invoice.id]);
    for (const auto& [key, sums] : sums_) {
      Compare(key.first, key.second, absl::StrCat("customer ", key.first),
              "payments received - reversed = applied to invoices + open prepayments",
              sums.received - sums.reversed, sums.applied_to_invoices + sums.open_prepayments);
    }
    return std::move(differences_);
  }

 private:
  void CheckPayment(const Payment& payment, std::map<int64_t, Sum>& applied_by_invoice) {
    CustomerSums& sums = sums_[{payment.customer_id, payment.currency_code}];
    sums.received += payment.amount_minor;
    const std::string subject = absl::StrCat("payment ", payment.id);
    Sum applied = 0;
    for (const Allocation& allocation : payment.allocations) {
      if (allocation.amount_minor <= 0)
        Compare(payment.customer_id, payment.currency_code, subject,
                absl::StrCat("allocation to invoice ", allocation.invoice_id, " amount >= 1"), 1,
                allocation.amount_minor);
      if (allocation.state != AllocationState::kApplied) continue;
      applied += allocation.amount_minor;
      applied_by_invoice[allocation.invoice_id] += allocation.amount_minor;
      auto invoice = invoices_.find(allocation.invoice_id);
      bool same_customer = invoice != invoices_.end() && invoice->second->customer_id == payment.customer_id &&
                           invoice->second->currency_code == payment.currency_code;
      if (!same_customer)
        Compare(payment.customer_id, payment.currency_code, subject,
                absl::StrCat("allocation to invoice ", allocation.invoice_id,
                             " of the same customer and currency"),
                0, allocation.amount_minor);
    }
    if (payment.state == PaymentState::kReversed) {
      sums.reversed += payment.amount_minor;
      Compare(payment.customer_id, payment.currency_code, subject, "a reversed payment applies nothing", 0, applied);
      Compare(payment.customer_id, payment.currency_code, subject, "a reversed payment leaves no prepayment", 0,
              payment.unapplied_minor);
      return;
    }
    sums.open_prepayments += payment.unapplied_minor;
    if (payment.unapplied_minor < 0)
      Compare(payment.customer_id, payment.currency_code, subject, "applies no more than its amount", 0,
              payment.unapplied_minor);
    Compare(payment.customer_id, payment.currency_code, subject, "unapplied = amount - applied allocations",
            Sum(payment.amount_minor) - applied, payment.unapplied_minor);
  }

  void CheckInvoice(const Invoice& invoice, Sum applied_by_allocations) {
    sums_[{invoice.customer_id, invoice.currency_code}].applied_to_invoices += invoice.applied_minor;
    const std::string subject = absl::StrCat("invoice ", invoice.id);
    Compare(invoice.customer_id, invoice.currency_code, subject, "applied = applied allocations",
            applied_by_allocations, invoice.applied_minor);
    if (invoice.state == InvoiceState::kVoid)
      Compare(invoice.customer_id, invoice.currency_code, subject, "outstanding of a VOID invoice = 0", 0,
              invoice.outstanding_minor);
    else
      Compare(invoice.customer_id, invoice.currency_code, subject, "outstanding = max(total - applied, 0) (LC-3)",
              std::max<Sum>(Sum(invoice.total_minor) - invoice.applied_minor, 0), invoice.outstanding_minor);
    if (invoice.applied_minor < 0)
      Compare(invoice.customer_id, invoice.currency_code, subject, "applied >= 0", 0, invoice.applied_minor);
    if (invoice.applied_minor > invoice.total_minor)
      Compare(invoice.customer_id, invoice.currency_code, subject, "applied <= total", invoice.total_minor,
              invoice.applied_minor);
    if (invoice.state == InvoiceState::kDraft || invoice.state == InvoiceState::kVoid)
      Compare(invoice.customer_id, invoice.currency_code, subject,
              absl::StrCat("nothing applied to a ", InvoiceStateName(invoice.state), " invoice"), 0,
              invoice.applied_minor);
  }

  void Compare(int64_t customer_id, const std::string& currency, const std::string& subject, const std::string& check,
               Sum expected, Sum actual) {
    if (expected != actual)
      differences_.push_back({customer_id, currency, subject, check, Reported(expected), Reported(actual)});
  }

  const LedgerSnapshot& snapshot_;
  std::map<int64_t, const Invoice*> invoices_;
  std::map<CustomerCurrency, CustomerSums> sums_;
  std::vector<LedgerDifference> differences_;
};

}  // namespace

std::vector<LedgerDifference> CheckLedger(const LedgerSnapshot& snapshot) { return LedgerChecker(snapshot).Run(); }

}  // namespace invoicehub::domain
