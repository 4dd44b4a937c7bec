#pragma once
// Invoices as the rules of DOMAIN.md see them: lines, computed totals and the
// state. Amounts are minor units of the invoice's currency.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/domain/field_errors.h"
#include "server/domain/money.h"

namespace invoicehub::domain {

enum class InvoiceState { kDraft, kFinal, kReissue, kVoid };
enum class InvoiceKind { kSales, kService, kContract };
// What bill-pay knows of the invoice, from its outbox rows: kNone (it never
// had to learn of it), kPending, kSynced, kFailed (a row was parked).
enum class InvoiceSyncState { kNone, kPending, kSynced, kFailed };

std::string InvoiceStateName(InvoiceState state);  // "DRAFT", ...

// Quantities carry 4 decimal places, tax rates (in percent) 3.
constexpr int kQuantityScale = 4;
constexpr int kTaxRateScale = 3;
constexpr int64_t kQuantityOne = 10'000;
constexpr int64_t kHundredPercent = 100'000;
constexpr size_t kMaxInvoiceLines = 500;

struct InvoiceLine {
  std::string description;
  int64_t quantity_e4 = 0;         // quantity x 10^4
  int64_t unit_price_minor = 0;    // per unit, minor units
  int64_t tax_rate_e3 = 0;         // percent x 10^3 (8.1% -> 8100)
  int64_t net_minor = 0;           // computed
  int64_t tax_minor = 0;           // computed
  bool operator==(const InvoiceLine&) const = default;
};

// A line as a client sends it: decimals as text, price as Money.
struct InvoiceLineInput {
  std::string description;
  std::string quantity;
  std::optional<Money> unit_price;
  std::string tax_rate_percent;
};

struct Invoice {
  int64_t id = 0;
  int64_t customer_id = 0;
  InvoiceState state = InvoiceState::kDraft;
  InvoiceKind kind = InvoiceKind::kSales;
  std::string number;  // empty until first finalized (LC-2)
  absl::CivilDay issue_date;
  absl::CivilDay due_date;
  std::string po_number;
  std::string currency_code;
  std::vector<InvoiceLine> lines;
  int64_t subtotal_minor = 0;
  int64_t tax_total_minor = 0;
  int64_t total_minor = 0;
  int64_t applied_minor = 0;      // payments and prepayments applied (LC-3)
  int64_t outstanding_minor = 0;  // total - applied, never negative; 0 once VOID
  std::string pay_now_url;       // BP-4: from bill-pay, empty until known
  bool nothing_to_send = false;  // BP-2: decided at each finalize
  std::string void_reason;
  InvoiceSyncState sync_state = InvoiceSyncState::kNone;
  std::string sync_error;  // the last error while pending or failed
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

// Parses client lines into `invoice_currency`; every problem goes into
// `errors` under "<field>[i].<name>". Lines are required (at least one).
// With an empty `invoice_currency` (not known yet), the lines must agree with
// the first line that names a currency.
std::vector<InvoiceLine> ParseInvoiceLines(FieldErrors& errors, const std::string& field,
                                           const std::vector<InvoiceLineInput>& inputs,
                                           const std::string& invoice_currency);

// LC-3: what is still owed: total - applied, never negative (0 also when the
// subtraction would overflow, which only corrupt figures can cause).
int64_t Outstanding(int64_t total_minor, int64_t applied_minor);

// Computes each line's net and tax and the invoice's subtotal, tax, total and
// outstanding (LC-3). An amount beyond int64 is INVALID_ARGUMENT on `field`.
absl::Status ComputeTotals(Invoice& invoice, const std::string& field = "lines");

// LC-1: lines, totals and tax may change only in DRAFT and REISSUE.
absl::Status CheckEditable(const Invoice& invoice);

// LC-3: a REISSUE may carry applied prepayments; an edit must not bring its
// total below them (outstanding would have to go negative).
absl::Status CheckAppliedWithinTotal(const Invoice& invoice);

// Checks dates and PO number of an invoice about to be stored.
void ValidateInvoiceHeader(FieldErrors& errors, const Invoice& invoice);

}  // namespace invoicehub::domain
