#include "server/domain/customer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/domain/money.h"
#include "server/domain/text_rules.h"

namespace invoicehub::domain {

bool LooksLikeEmail(absl::string_view email) {
  if (email.size() > 254) return false;
  size_t at = email.find('@');
  if (at == absl::string_view::npos || at == 0 || email.find('@', at + 1) != absl::string_view::npos)
    return false;
  absl::string_view domain = email.substr(at + 1);
  size_t dot = domain.rfind('.');
  if (dot == absl::string_view::npos || dot == 0 || dot + 1 == domain.size()) return false;
  for (unsigned char c : email)
    if (c <= 0x20 || c == 0x7F || c == ',' || c == ';' || c == '<' || c == '>') return false;
  return true;
}

void ValidateCustomer(FieldErrors& errors, const std::string& field, const Customer& customer) {
  CheckText(errors, field + ".display_name", customer.display_name, 200, Presence::kRequired);
  if (customer.email.empty())
    errors.Add(field + ".email", "is required");
  else if (!LooksLikeEmail(customer.email))
    errors.Add(field + ".email", "must be an e-mail address such as \"ap@example.com\"");
  ValidateAddress(errors, field + ".billing_address", customer.billing_address);
  if (customer.delivery_preference == DeliveryPreference::kMail &&
      (customer.billing_address.address_lines.empty() ||
       absl::StripAsciiWhitespace(customer.billing_address.locality).empty()))
    errors.Add(field + ".billing_address", "is required (address lines and locality) for delivery by mail");
  if (!IsKnownCurrency(customer.currency_code))
    errors.Add(field + ".currency_code", "must be an ISO 4217 currency code such as \"EUR\"");
  if (customer.payment_terms_days < 0 || customer.payment_terms_days > kMaxPaymentTermsDays)
    errors.Add(field + ".payment_terms_days", absl::StrCat("must be from 0 to ", kMaxPaymentTermsDays));
}

}  // namespace invoicehub::domain
