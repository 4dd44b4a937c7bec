#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

#include "absl/time/time.h"
#include "server/domain/address.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

enum class DeliveryPreference { kMail, kEmail, kClientAccess };

struct Customer {
  int64_t id = 0;
  std::string display_name;
  std::string email;
  PostalAddress billing_address;
  std::string currency_code;
  int32_t payment_terms_days = 0;
  DeliveryPreference delivery_preference = DeliveryPreference::kEmail;
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

constexpr int32_t kMaxPaymentTermsDays = 365;

// Every problem of the editable fields; `field` prefixes paths ("customer").
void ValidateCustomer(FieldErrors& errors, const std::string& field, const Customer& customer);

// A plain syntax check (local@domain.tld, no spaces); deliverability is the
// mail server's business.
bool LooksLikeEmail(absl::string_view email);

}  // namespace invoicehub::domain
