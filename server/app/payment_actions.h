#pragma once
// Payments: recording one (with allocations to FINAL invoices; the rest is
// the customer's prepayment), applying a prepayment to an invoice (BP-8),
// and reversing a payment that bounced or was refunded. Each runs in the
// caller's transaction under the customer's ledger lock.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/app/change.h"
#include "server/domain/field_errors.h"
#include "server/domain/invoice.h"
#include "server/domain/money.h"
#include "server/domain/payment.h"
#include "storage/database.h"

namespace invoicehub::app {

struct AllocationInput {
  int64_t invoice_id = 0;
  domain::Money amount;  // an empty currency means the payment's
};

struct PaymentInput {
  int64_t customer_id = 0;
  domain::Money amount;
  std::optional<absl::CivilDay> received_date;  // nullopt: today in the company's zone
  domain::PaymentMethod method = domain::PaymentMethod::kOther;
  std::string reference;
  std::vector<AllocationInput> allocations;
};

struct PaymentMoveResult {
  std::optional<domain::Payment> payment_before;  // nullopt: just recorded
  domain::Payment payment;
  std::vector<Change<domain::Invoice>> invoices;  // whose applied amount changed
};

// Takes the field problems the caller found (`errors`) and adds those that
// need the database: unknown or foreign invoices, currency, over-allocation.
absl::StatusOr<PaymentMoveResult> RecordPayment(storage::Transaction& tx, int64_t company_id,
                                                const PaymentInput& input, absl::Time now,
                                                domain::FieldErrors errors = {});

// Applies the open prepayment of `payment_id` to a FINAL or REISSUE invoice
// of the same customer: `amount`, or with nullopt as much as both allow.
absl::StatusOr<PaymentMoveResult> ApplyPrepayment(storage::Transaction& tx, int64_t company_id, int64_t payment_id,
                                                  int64_t invoice_id, std::optional<domain::Money> amount,
                                                  absl::Time now);

// Takes every applied allocation of the payment off its invoice (their
// outstanding grows back) and closes its prepayment.
absl::StatusOr<PaymentMoveResult> ReversePayment(storage::Transaction& tx, int64_t company_id, int64_t payment_id,
                                                 int64_t expected_version, const std::string& reason,
                                                 absl::Time now);

}  // namespace invoicehub::app
