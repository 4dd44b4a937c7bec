#include "server/domain/ledger.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace invoicehub::domain {
namespace {

using CustomerCurrency = std::pair<int64_t, std::string>;

// The balance identity's four sums for one customer and currency.
struct CustomerSums {
  int64_t received = 0;
  int64_t applied_to_invoices = 0;
  int64_t open_prepayments = 0;
  int64_t reversed = 0;
};

class LedgerChecker {
 public:
  explicit LedgerChecker(const LedgerSnapshot& snapshot) : snapshot_(snapshot) {
    for (const Invoice& invoice : snapshot.invoices) invoices_[invoice.id] = &invoice;
  }

  std::vector<LedgerDifference> Run() {
    std::map<int64_t, int64_t> applied_by_invoice;
    for (const Payment& payment : snapshot_.payments) CheckPayment(payment, applied_by_invoice);
    for (const Invoice& invoice : snapshot_.invoices) CheckInvoice(invoice, applied_by_invoice[invoice.id]);
    for (const auto& [key, sums] : sums_) {
      // Rearranged so that no side can overflow: received - reversed is at
      // most received, and the other side is two non-negative sums.
      Compare(key.first, key.second, absl::StrCat("customer ", key.first),
              "payments received - reversed = applied to invoices + open prepayments",
              sums.received - sums.reversed, sums.applied_to_invoices + sums.open_prepayments);
    }
    return std::move(differences_);
  }

 private:
  void CheckPayment(const Payment& payment, std::map<int64_t, int64_t>& applied_by_invoice) {
    CustomerSums& sums = sums_[{payment.customer_id, payment.currency_code}];
    sums.received += payment.amount_minor;
    const std::string subject = absl::StrCat("payment ", payment.id);
    int64_t applied = 0;
    for (const Allocation& allocation : payment.allocations) {
      if (allocation.amount_minor <= 0)
        Compare(payment.customer_id, payment.currency_code, subject,
                absl::StrCat("allocation ", allocation.id, " amount >= 1"), 1, allocation.amount_minor);
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
            payment.amount_minor - applied, payment.unapplied_minor);
  }

  void CheckInvoice(const Invoice& invoice, int64_t applied_by_allocations) {
    sums_[{invoice.customer_id, invoice.currency_code}].applied_to_invoices += invoice.applied_minor;
    const std::string subject = absl::StrCat("invoice ", invoice.id);
    Compare(invoice.customer_id, invoice.currency_code, subject, "applied = applied allocations",
            applied_by_allocations, invoice.applied_minor);
    Compare(invoice.customer_id, invoice.currency_code, subject, "outstanding = max(total - applied, 0) (LC-3)",
            std::max<int64_t>(invoice.total_minor - invoice.applied_minor, 0), invoice.outstanding_minor);
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
               int64_t expected, int64_t actual) {
    if (expected != actual) differences_.push_back({customer_id, currency, subject, check, expected, actual});
  }

  const LedgerSnapshot& snapshot_;
  std::map<int64_t, const Invoice*> invoices_;
  std::map<CustomerCurrency, CustomerSums> sums_;
  std::vector<LedgerDifference> differences_;
};

}  // namespace

std::vector<LedgerDifference> CheckLedger(const LedgerSnapshot& snapshot) { return LedgerChecker(snapshot).Run(); }

}  // namespace invoicehub::domain
