#pragma once
// The invoice PDF (LC-2: rendered when an invoice is finalized; BP-1 sends it
// to bill-pay). A4, as many pages as the lines need, each page numbered
// "Page i of n" and the table header repeated on every page.
//
// Deterministic: the same inputs give the same bytes (the PDF's creation date
// is the issue date, never the wall clock), so a re-render of an unchanged
// invoice can be compared with, or replace, the stored one.
//
// Thread-safe: each call has its own cairo surface and pango context; the
// server may render from several gRPC threads at once.

#include <string>

#include "absl/status/statusor.h"
#include "server/domain/company.h"
#include "server/domain/customer.h"
#include "server/domain/invoice.h"

namespace invoicehub::pdf {

// Everything printed on an invoice, already decided by the caller: the
// company and its address, the customer and its billing address, the
// invoice's number, dates, PO number, lines and totals (as computed by
// domain::ComputeTotals; nothing is recomputed here), and the Pay Now URL
// (BP-4; printed only when not empty).
// INVALID_ARGUMENT for a currency without known minor digits; INTERNAL with
// cairo's message when cairo fails.
absl::StatusOr<std::string> RenderInvoicePdf(const domain::Company& company, const domain::Customer& customer,
                                             const domain::Invoice& invoice, const std::string& pay_now_url);

}  // namespace invoicehub::pdf
