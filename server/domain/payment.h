#pragma once
// Payments received from customers and their allocations to invoices. The
// part of a payment that is not applied to any invoice is the customer's
// prepayment (unapplied credit) from that payment.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace invoicehub::domain {

enum class PaymentMethod { kCheck, kAch, kCard, kWire, kCash, kOther };
enum class PaymentState { kReceived, kReversed };

// kPayment: applied when the payment was recorded. kPrepayment: applied
// later from the payment's unapplied credit.
enum class AllocationSource { kPayment, kPrepayment };

// kReleased: the invoice went back to DRAFT or REISSUE and the amount became
// a prepayment again (BP-8). kReversed: the payment bounced or was refunded.
enum class AllocationState { kApplied, kReleased, kReversed };

struct Allocation {
  int64_t id = 0;
  int64_t payment_id = 0;
  int64_t invoice_id = 0;
  int64_t amount_minor = 0;
  AllocationSource source = AllocationSource::kPayment;
  AllocationState state = AllocationState::kApplied;
  std::string end_reason;  // why it was released or reversed
  absl::Time create_time;
  std::optional<absl::Time> end_time;
};

struct Payment {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string currency_code;
  int64_t amount_minor = 0;
  int64_t unapplied_minor = 0;  // the open prepayment
  absl::CivilDay received_date;
  PaymentMethod method = PaymentMethod::kOther;
  std::string reference;
  PaymentState state = PaymentState::kReceived;
  std::string reversal_reason;
  std::vector<Allocation> allocations;  // in the order they were made
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

// BP-10: a payment made on several invoices may leave bill-pay only once
// every invoice it was made on has gone back to DRAFT or REISSUE, i.e. every
// allocation it was recorded with has been released.
bool AllInvoicesReverted(const Payment& payment);

std::string PaymentMethodName(PaymentMethod method);  // "check", "ach", ...
std::optional<PaymentMethod> PaymentMethodFromName(const std::string& name);

}  // namespace invoicehub::domain
