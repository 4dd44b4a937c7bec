#include "integrations/pdf/invoice_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/domain/decimal.h"
#include "server/domain/invoice.h"
#include "server/domain/money.h"

namespace invoicehub::pdf {

std::string AmountText(int64_t minor_units, int minor_digits, const std::string& currency_code) {
  return absl::StrCat(domain::FormatMinorUnits(minor_units, minor_digits), " ", currency_code);
}

std::string QuantityText(int64_t quantity_e4) {
  return domain::FormatScaledDecimal(quantity_e4, domain::kQuantityScale);
}

std::string TaxRateText(int64_t tax_rate_e3) {
  return absl::StrCat(domain::FormatScaledDecimal(tax_rate_e3, domain::kTaxRateScale), "%");
}

std::string DateText(absl::CivilDay day) { return absl::FormatCivilTime(day); }

std::vector<std::string> AddressLines(const domain::PostalAddress& address) {
  std::vector<std::string> lines = address.address_lines;
  std::vector<std::string> town;
  if (!address.postal_code.empty()) town.push_back(address.postal_code);
  if (!address.locality.empty()) town.push_back(address.locality);
  if (!town.empty()) lines.push_back(absl::StrJoin(town, " "));
  if (!address.administrative_area.empty()) lines.push_back(address.administrative_area);
  if (!address.region_code.empty()) lines.push_back(address.region_code);
  return lines;
}

}  // namespace invoicehub::pdf
