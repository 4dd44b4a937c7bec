#pragma once
// The Pay Now page a payer sees at GET /pay/{token}: invoice number, amount
// due and currency, and a button that pays the amount due (POST to the same
// URL), so a demo can be paid by hand.

#include <string>

#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {

// `notice` (plain text, may be "") is shown above the invoice, e.g. after a
// payment.
std::string RenderPayPage(const Invoice& invoice, const std::string& notice);

// 123456 -> "1234.56": the sandbox shows every currency with two decimals.
std::string FormatMinorUnits(int64_t minor_units);

}  // namespace invoicehub::billpay::sandbox
