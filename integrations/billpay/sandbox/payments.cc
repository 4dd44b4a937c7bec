// SandboxState's payment rules: payments through the API, the payer's
// payments and reversals, deletion, and the change feed.

#include <algorithm>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "integrations/billpay/sandbox/ids.h"
#include "integrations/billpay/sandbox/sandbox_state.h"

namespace invoicehub::billpay::sandbox {

void SandboxState::MarkChanged(AccountBook& book, Payment& payment) { payment.sequence = ++book.last_sequence; }

Payment* SandboxState::FindPayment(AccountBook& book, std::string_view id) {
  for (Payment& payment : book.payments)
    if (payment.id == id) return &payment;
  return nullptr;
}

absl::StatusOr<Payment> SandboxState::GetPayment(const AccountBook& book, std::string_view id) const {
  for (const Payment& payment : book.payments)
    if (payment.id == id) return payment;
  return absl::NotFoundError(absl::StrCat("no payment ", std::string(id), " in this account"));
}

absl::StatusOr<Payment> SandboxState::CreateApiPayment(AccountBook& book, const NewApiPayment& request, int64_t now) {
  if (!GetCustomer(book, request.customer_id).ok())
    return absl::NotFoundError(absl::StrCat("no customer ", request.customer_id, " in this account"));
  Invoice* invoice = FindInvoice(book, request.invoice_id);
  if (invoice == nullptr)
    return absl::NotFoundError(absl::StrCat("no invoice ", request.invoice_id, " in this account"));
  if (invoice->deleted) return absl::FailedPreconditionError(absl::StrCat("invoice ", invoice->id, " is deleted"));
  if (invoice->customer_id != request.customer_id)
    return absl::InvalidArgumentError(
        absl::StrCat("customer_id: invoice ", invoice->id, " belongs to another customer"));
  if (invoice->currency != request.currency)
    return absl::InvalidArgumentError(absl::StrCat("currency: invoice ", invoice->id, " is in ", invoice->currency));
  // Never below 0: a payment larger than what is due lowers it to 0.
  int64_t lowered = std::min(request.amount, invoice->outstanding);
  invoice->outstanding -= lowered;
  invoice->updated = now;
  Payment payment{.id = RandomId("pay_"),
                  .customer_id = request.customer_id,
                  .currency = request.currency,
                  .amount = request.amount,
                  .status = PaymentStatus::kSucceeded,
                  .method = request.method,
                  .origin = PaymentOrigin::kApi,
                  .external_id = request.external_id,
                  .allocations = {Allocation{invoice->id, request.amount, lowered}},
                  .reversal_reason = "",
                  .created = now,
                  .sequence = 0};
  MarkChanged(book, payment);
  book.payments.push_back(std::move(payment));
  return book.payments.back();
}

absl::StatusOr<Payment> SandboxState::DeletePayment(AccountBook& book, std::string_view id) {
  Payment* payment = FindPayment(book, id);
  if (payment == nullptr || payment->status == PaymentStatus::kDeleted)
    return absl::NotFoundError(absl::StrCat("no payment ", std::string(id), " in this account"));
  // The outstanding stays as it is: the caller sends the balance it wants.
  payment->status = PaymentStatus::kDeleted;
  MarkChanged(book, *payment);
  return *payment;
}

PaymentPage SandboxState::ListChangedPayments(const AccountBook& book, int64_t after, int limit) const {
  std::vector<const Payment*> changed;
  for (const Payment& payment : book.payments)
    if (payment.sequence > after) changed.push_back(&payment);
  std::sort(changed.begin(), changed.end(),
            [](const Payment* a, const Payment* b) { return a->sequence < b->sequence; });
  PaymentPage page;
  page.next_cursor = after;
  page.has_more = changed.size() > static_cast<size_t>(limit);
  if (page.has_more) changed.resize(static_cast<size_t>(limit));
  for (const Payment* payment : changed) page.payments.push_back(*payment);
  if (!page.payments.empty()) page.next_cursor = page.payments.back().sequence;
  return page;
}

absl::StatusOr<PayerChange> SandboxState::Pay(const PayRequest& request, int64_t now) {
  // Everything is checked before anything changes.
  AccountBook* book = nullptr;
  std::vector<Invoice*> invoices;
  std::vector<int64_t> amounts;
  std::set<std::string> seen;
  int64_t total = 0;
  for (const PayItem& item : request.items) {
    auto owner = pay_tokens_.find(item.pay_token);
    AccountBook* owner_book = owner == pay_tokens_.end() ? nullptr : FindBook(owner->second.account_id);
    Invoice* invoice = owner_book == nullptr ? nullptr : FindInvoice(*owner_book, owner->second.invoice_id);
    if (invoice == nullptr) return absl::NotFoundError("no invoice has this Pay Now URL");
    if (book != nullptr && owner_book != book)
      return absl::InvalidArgumentError("items: all invoices must belong to one account");
    if (!invoices.empty() && invoice->customer_id != invoices.front()->customer_id)
      return absl::InvalidArgumentError("items: all invoices must belong to one customer");
    if (!invoices.empty() && invoice->currency != invoices.front()->currency)
      return absl::InvalidArgumentError("items: all invoices must have one currency");
    if (!seen.insert(invoice->id).second)
      return absl::InvalidArgumentError(absl::StrCat("items: invoice ", invoice->id, " appears twice"));
    if (invoice->deleted) return absl::FailedPreconditionError(absl::StrCat("invoice ", invoice->id, " is deleted"));
    int64_t amount = item.amount.value_or(invoice->outstanding);
    if (amount <= 0) return absl::FailedPreconditionError(absl::StrCat("invoice ", invoice->id, " has nothing due"));
    if (amount > invoice->outstanding)
      return absl::FailedPreconditionError(
          absl::StrCat("amount ", amount, " exceeds the outstanding ", invoice->outstanding, " of ", invoice->id));
    if (__builtin_add_overflow(total, amount, &total)) return absl::InvalidArgumentError("items: total too large");
    book = owner_book;
    invoices.push_back(invoice);
    amounts.push_back(amount);
  }
  Payment payment{.id = RandomId("pay_"),
                  .customer_id = invoices.front()->customer_id,
                  .currency = invoices.front()->currency,
                  .amount = total,
                  .status = PaymentStatus::kSucceeded,
                  .method = request.method,
                  .origin = PaymentOrigin::kPayer,
                  .external_id = "",
                  .allocations = {},
                  .reversal_reason = "",
                  .created = now,
                  .sequence = 0};
  for (size_t i = 0; i < invoices.size(); ++i) {
    invoices[i]->outstanding -= amounts[i];
    invoices[i]->updated = now;
    payment.allocations.push_back(Allocation{invoices[i]->id, amounts[i], amounts[i]});
  }
  MarkChanged(*book, payment);
  book->payments.push_back(payment);
  return PayerChange{book->account.id, std::move(payment)};
}

absl::StatusOr<PayerChange> SandboxState::Reverse(const ReverseRequest& request, int64_t now) {
  for (auto& [account_id, book] : books_) {
    Payment* payment = FindPayment(book, request.payment_id);
    if (payment == nullptr) continue;
    if (payment->status != PaymentStatus::kSucceeded)
      return absl::FailedPreconditionError(
          absl::StrCat("payment ", payment->id, " is ", PaymentStatusName(payment->status), ", not succeeded"));
    // Gives back exactly what the payment took off each invoice.
    for (const Allocation& allocation : payment->allocations) {
      Invoice* invoice = FindInvoice(book, allocation.invoice_id);
      if (invoice == nullptr) continue;
      if (__builtin_add_overflow(invoice->outstanding, allocation.lowered, &invoice->outstanding))
        invoice->outstanding = std::numeric_limits<int64_t>::max();
      invoice->updated = now;
    }
    payment->status = PaymentStatus::kReversed;
    payment->reversal_reason = request.reason;
    MarkChanged(book, *payment);
    return PayerChange{account_id, *payment};
  }
  return absl::NotFoundError(absl::StrCat("no payment ", request.payment_id));
}

}  // namespace invoicehub::billpay::sandbox
