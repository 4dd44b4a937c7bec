#pragma once
// The ledger check: recomputes every customer's money from the rows and
// reports each place where the stored figures disagree. For every customer
// and currency, at all times:
//   payments received = applied to invoices + open prepayments + reversed.
// Stored running figures (an invoice's applied and outstanding, a payment's
// unapplied credit) are checked against the allocations they summarise.

#include <cstdint>
#include <string>
#include <vector>

#include "server/domain/invoice.h"
#include "server/domain/payment.h"

namespace invoicehub::domain {

struct LedgerSnapshot {
  std::vector<Invoice> invoices;  // lines not needed
  std::vector<Payment> payments;  // with every allocation
};

struct LedgerDifference {
  int64_t customer_id = 0;
  std::string currency_code;
  std::string subject;  // "invoice 123", "payment 456", "customer 789"
  std::string check;    // what was compared
  int64_t expected_minor = 0;
  int64_t actual_minor = 0;
  bool operator==(const LedgerDifference&) const = default;
};

// Empty when every figure agrees.
std::vector<LedgerDifference> CheckLedger(const LedgerSnapshot& snapshot);

}  // namespace invoicehub::domain
