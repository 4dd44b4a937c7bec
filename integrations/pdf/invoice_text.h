#pragma once
// The strings an invoice PDF prints for amounts, quantities, tax rates, dates
// and addresses. Kept apart from the drawing so the rules are easy to test.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "server/domain/address.h"

namespace invoicehub::pdf {

// "1234.50 EUR", "1235 JPY", "-0.125 BHD": a plain decimal with exactly
// `minor_digits` fraction digits, then the currency code. No thousands
// separators and no locale: a separator would differ by country, and plain
// digits are what a reader, pdftotext and our tests can all match exactly.
std::string AmountText(int64_t minor_units, int minor_digits, const std::string& currency_code);

// Quantity x 10^4 as the shortest decimal: 15000 -> "1.5", 20000 -> "2".
std::string QuantityText(int64_t quantity_e4);

// Tax rate (percent x 10^3) with a percent sign: 8100 -> "8.1%".
std::string TaxRateText(int64_t tax_rate_e3);

// ISO 8601, yyyy-mm-dd: unambiguous in every country the customer may be in.
std::string DateText(absl::CivilDay day);

// The lines of a postal address as printed under a name: the street lines,
// then "postal_code locality", the administrative area and the region code,
// each only when present.
std::vector<std::string> AddressLines(const domain::PostalAddress& address);

}  // namespace invoicehub::pdf
