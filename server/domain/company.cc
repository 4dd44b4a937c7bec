#include "server/domain/company.h"

#include "absl/strings/ascii.h"
#include "server/domain/email_template.h"
#include "server/domain/money.h"
#include "server/domain/text_rules.h"

namespace invoicehub::domain {
namespace {

// An IANA zone name ("Europe/Zurich", "Etc/GMT+5"). absl would also load a
// file path, which must not become a company setting.
bool LooksLikeZoneName(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.back() == '/' || name.find("..") != std::string::npos ||
      name.find("//") != std::string::npos || !absl::ascii_isalpha(static_cast<unsigned char>(name.front())))
    return false;
  for (char c : name)
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+')
      return false;
  return true;
}

}  // namespace

void ApplyCompanyDefaults(Company& company) {
  if (company.time_zone.empty()) company.time_zone = "UTC";
  if (company.invoice_number_prefix.empty()) company.invoice_number_prefix = "INV-";
}

void ValidateCompany(FieldErrors& errors, const std::string& field, const Company& company) {
  CheckText(errors, field + ".display_name", company.display_name, 200, Presence::kRequired);
  absl::TimeZone zone;
  if (!LooksLikeZoneName(company.time_zone) || !absl::LoadTimeZone(company.time_zone, &zone))
    errors.Add(field + ".time_zone", "must be an IANA time zone such as \"Europe/Zurich\"");
  if (!IsKnownCurrency(company.default_currency_code))
    errors.Add(field + ".default_currency_code", "must be an ISO 4217 currency code such as \"EUR\"");
  const std::string& prefix = company.invoice_number_prefix;
  bool prefix_ok = !prefix.empty() && prefix.size() <= 12;
  for (char c : prefix)
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '/') prefix_ok = false;
  if (!prefix_ok)
    errors.Add(field + ".invoice_number_prefix", "must be 1 to 12 of A-Z, a-z, 0-9, '-', '_', '/'");
  // LC-2: the digits of the number follow the prefix; a prefix ending in a
  // digit would let "INV1" + 000005 and "INV" + 1000005 be the same number.
  else if (absl::ascii_isdigit(static_cast<unsigned char>(prefix.back())))
    errors.Add(field + ".invoice_number_prefix", "must not end in a digit: the invoice number's digits follow it");
  ValidateAddress(errors, field + ".address", company.address);
  // BP-4: an unknown placeholder is refused here, when the template is saved.
  ValidateEmailTemplate(errors, field + ".email_subject_template", company.email_subject_template,
                        kMaxEmailSubjectBytes, /*multi_line=*/false);
  ValidateEmailTemplate(errors, field + ".email_body_template", company.email_body_template, kMaxEmailBodyBytes,
                        /*multi_line=*/true);
}

}  // namespace invoicehub::domain
