#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "server/domain/address.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

struct Company {
  int64_t id = 0;
  std::string display_name;
  std::string time_zone;              // IANA name
  std::string default_currency_code;  // ISO 4217
  std::string invoice_number_prefix;
  PostalAddress address;
  // The invoice email; empty means the default template (email_template.h).
  std::string email_subject_template;
  std::string email_body_template;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

// Fills what a new company may leave out: time zone UTC, prefix "INV-".
void ApplyCompanyDefaults(Company& company);

// Every problem of the editable fields; `field` prefixes paths ("company").
void ValidateCompany(FieldErrors& errors, const std::string& field, const Company& company);

}  // namespace invoicehub::domain
