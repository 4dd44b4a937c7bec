#pragma once
// The moves of an invoice between DRAFT, FINAL, REISSUE and VOID (DOMAIN.md,
// "Invoice lifecycle"), its number (LC-2) and whether bill-pay hears of it
// (BP-2). Refusals name the rule "LIFECYCLE": the list of allowed moves has
// no id of its own in DOMAIN.md.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "server/domain/invoice.h"

namespace invoicehub::domain {

inline constexpr char kLifecycleRule[] = "LIFECYCLE";

// DRAFT→FINAL, FINAL→REISSUE, FINAL→DRAFT, REISSUE→FINAL, REISSUE→DRAFT,
// DRAFT→VOID, FINAL→VOID: nothing else.
bool IsAllowedMove(InvoiceState from, InvoiceState to);

// OK when `invoice` may move to `to` now; else FAILED_PRECONDITION naming the
// rule, the current state and the moves it allows. FINAL→VOID also needs
// nothing applied to the invoice.
absl::Status CheckMove(const Invoice& invoice, InvoiceState to);

// LC-2: "<prefix><number padded to 6 digits>", e.g. "INV-000123".
std::string FormatInvoiceNumber(const std::string& prefix, int64_t number);

// BP-2: an invoice about to become FINAL is not sent to bill-pay when its
// total is zero or its outstanding nets to zero through applied prepayments.
// Only prepayments can be applied before an invoice is FINAL, so a zero
// outstanding at that moment means exactly that.
bool NothingToSend(const Invoice& invoice);

}  // namespace invoicehub::domain
