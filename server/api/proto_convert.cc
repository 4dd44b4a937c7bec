#include "server/api/proto_convert.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/domain/decimal.h"

namespace invoicehub::api {

v1::Money MoneyProto(const std::string& currency, int64_t minor_units) {
  v1::Money money;
  money.set_currency_code(currency);
  money.set_minor_units(minor_units);
  return money;
}

int64_t ParseId(domain::FieldErrors& errors, const std::string& field, const std::string& text) {
  int64_t id = 0;
  if (text.empty())
    errors.Add(field, "is required");
  else if (!absl::SimpleAtoi(text, &id) || id <= 0 || text != absl::StrCat(id))
    errors.Add(field, "must be an id as returned by the API (a positive decimal number)");
  return id;
}

std::string FormatId(int64_t id) { return absl::StrCat(id); }

domain::UpdateMask ParseUpdateMask(domain::FieldErrors& errors, const google::protobuf::FieldMask& mask,
                                   const std::set<std::string>& allowed) {
  return domain::UpdateMask::Parse(errors, {mask.paths().begin(), mask.paths().end()}, allowed);
}

std::optional<absl::CivilDay> ParseDate(domain::FieldErrors& errors, const std::string& field, const v1::Date& date) {
  absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises 2024-02-30 to 2024-03-01; a real date survives intact.
  if (date.year() < 1900 || date.year() > 9999 || day.year() != date.year() || day.month() != date.month() ||
      day.day() != date.day()) {
    errors.Add(field, "must be a real calendar date (year 1900 to 9999)");
    return std::nullopt;
  }
  return day;
}

v1::Date ToProto(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  int64_t micros = absl::ToUnixMicros(time);
  timestamp.set_seconds(micros / 1'000'000);
  timestamp.set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
  return timestamp;
}

domain::PostalAddress FromProto(const v1::PostalAddress& address) {
  domain::PostalAddress result;
  result.address_lines.assign(address.address_lines().begin(), address.address_lines().end());
  result.locality = address.locality();
  result.administrative_area = address.administrative_area();
  result.postal_code = address.postal_code();
  result.region_code = address.region_code();
  return result;
}

void ToProto(const domain::PostalAddress& address, v1::PostalAddress* out) {
  out->mutable_address_lines()->Assign(address.address_lines.begin(), address.address_lines.end());
  out->set_locality(address.locality);
  out->set_administrative_area(address.administrative_area);
  out->set_postal_code(address.postal_code);
  out->set_region_code(address.region_code);
}

domain::Company FromProto(const v1::Company& company) {
  domain::Company result;
  result.display_name = company.display_name();
  result.time_zone = company.time_zone();
  result.default_currency_code = company.default_currency_code();
  result.invoice_number_prefix = company.invoice_number_prefix();
  result.address = FromProto(company.address());
  result.email_subject_template = company.email_subject_template();
  result.email_body_template = company.email_body_template();
  result.version = company.version();
  return result;
}

void ToProto(const domain::Company& company, v1::Company* out) {
  out->set_id(FormatId(company.id));
  out->set_display_name(company.display_name);
  out->set_time_zone(company.time_zone);
  out->set_default_currency_code(company.default_currency_code);
  out->set_invoice_number_prefix(company.invoice_number_prefix);
  ToProto(company.address, out->mutable_address());
  out->set_email_subject_template(company.email_subject_template);
  out->set_email_body_template(company.email_body_template);
  out->set_version(company.version);
  *out->mutable_create_time() = ToTimestamp(company.create_time);
  *out->mutable_update_time() = ToTimestamp(company.update_time);
}

void ToProto(const domain::ApiKey& key, v1::ApiKey* out) {
  out->set_id(FormatId(key.id));
  out->set_company_id(FormatId(key.company_id));
  out->set_display_name(key.display_name);
  switch (key.role) {
    case domain::Role::kAdmin: out->set_role(v1::ROLE_ADMIN); break;
    case domain::Role::kClerk: out->set_role(v1::ROLE_CLERK); break;
    case domain::Role::kViewer: out->set_role(v1::ROLE_VIEWER); break;
  }
  out->set_state(key.active() ? v1::API_KEY_STATE_ACTIVE : v1::API_KEY_STATE_REVOKED);
  out->set_secret_prefix(key.secret_prefix);
  *out->mutable_create_time() = ToTimestamp(key.create_time);
  if (key.revoke_time) *out->mutable_revoke_time() = ToTimestamp(*key.revoke_time);
}

domain::Role ParseRole(domain::FieldErrors& errors, const std::string& field, v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN: return domain::Role::kAdmin;
    case v1::ROLE_CLERK: return domain::Role::kClerk;
    case v1::ROLE_VIEWER: return domain::Role::kViewer;
    default: errors.Add(field, "must be ROLE_ADMIN, ROLE_CLERK or ROLE_VIEWER"); return domain::Role::kViewer;
  }
}

domain::Customer FromProto(domain::FieldErrors& errors, const v1::Customer& customer) {
  domain::Customer result;
  result.display_name = customer.display_name();
  result.email = customer.email();
  result.billing_address = FromProto(customer.billing_address());
  result.currency_code = customer.currency_code();
  result.payment_terms_days = customer.payment_terms_days();
  switch (customer.delivery_preference()) {
    case v1::DELIVERY_PREFERENCE_UNSPECIFIED:
    case v1::DELIVERY_PREFERENCE_EMAIL: result.delivery_preference = domain::DeliveryPreference::kEmail; break;
    case v1::DELIVERY_PREFERENCE_MAIL: result.delivery_preference = domain::DeliveryPreference::kMail; break;
    case v1::DELIVERY_PREFERENCE_CLIENT_ACCESS:
      result.delivery_preference = domain::DeliveryPreference::kClientAccess;
      break;
    default: errors.Add("customer.delivery_preference", "is not a known delivery preference");
  }
  result.version = customer.version();
  return result;
}

void ToProto(const domain::Customer& customer, v1::Customer* out) {
  out->set_id(FormatId(customer.id));
  out->set_display_name(customer.display_name);
  out->set_email(customer.email);
  ToProto(customer.billing_address, out->mutable_billing_address());
  out->set_currency_code(customer.currency_code);
  out->set_payment_terms_days(customer.payment_terms_days);
  switch (customer.delivery_preference) {
    case domain::DeliveryPreference::kMail: out->set_delivery_preference(v1::DELIVERY_PREFERENCE_MAIL); break;
    case domain::DeliveryPreference::kEmail: out->set_delivery_preference(v1::DELIVERY_PREFERENCE_EMAIL); break;
    case domain::DeliveryPreference::kClientAccess:
      out->set_delivery_preference(v1::DELIVERY_PREFERENCE_CLIENT_ACCESS);
      break;
  }
  out->set_version(customer.version);
  *out->mutable_create_time() = ToTimestamp(customer.create_time);
  *out->mutable_update_time() = ToTimestamp(customer.update_time);
}

domain::InvoiceKind ParseInvoiceKind(domain::FieldErrors& errors, const std::string& field, v1::InvoiceKind kind) {
  switch (kind) {
    case v1::INVOICE_KIND_UNSPECIFIED:
    case v1::INVOICE_KIND_SALES: return domain::InvoiceKind::kSales;
    case v1::INVOICE_KIND_SERVICE: return domain::InvoiceKind::kService;
    case v1::INVOICE_KIND_CONTRACT: return domain::InvoiceKind::kContract;
    default: errors.Add(field, "is not a known invoice kind"); return domain::InvoiceKind::kSales;
  }
}

std::optional<domain::InvoiceState> ParseInvoiceStateFilter(domain::FieldErrors& errors, const std::string& field,
                                                            v1::InvoiceState state) {
  switch (state) {
    case v1::INVOICE_STATE_UNSPECIFIED: return std::nullopt;
    case v1::INVOICE_STATE_DRAFT: return domain::InvoiceState::kDraft;
    case v1::INVOICE_STATE_FINAL: return domain::InvoiceState::kFinal;
    case v1::INVOICE_STATE_REISSUE: return domain::InvoiceState::kReissue;
    case v1::INVOICE_STATE_VOID: return domain::InvoiceState::kVoid;
    default: errors.Add(field, "is not a known invoice state"); return std::nullopt;
  }
}

std::vector<domain::InvoiceLineInput> FromProto(const google::protobuf::RepeatedPtrField<v1::InvoiceLine>& lines) {
  std::vector<domain::InvoiceLineInput> inputs;
  for (const v1::InvoiceLine& line : lines) {
    domain::InvoiceLineInput input;
    input.description = line.description();
    input.quantity = line.quantity();
    if (line.has_unit_price())
      input.unit_price = domain::Money{line.unit_price().currency_code(), line.unit_price().minor_units()};
    input.tax_rate_percent = line.tax_rate_percent();
    inputs.push_back(std::move(input));
  }
  return inputs;
}

void ToProto(const domain::Invoice& invoice, v1::Invoice* out) {
  const std::string& currency = invoice.currency_code;
  out->set_id(FormatId(invoice.id));
  out->set_customer_id(FormatId(invoice.customer_id));
  switch (invoice.state) {
    case domain::InvoiceState::kDraft: out->set_state(v1::INVOICE_STATE_DRAFT); break;
    case domain::InvoiceState::kFinal: out->set_state(v1::INVOICE_STATE_FINAL); break;
    case domain::InvoiceState::kReissue: out->set_state(v1::INVOICE_STATE_REISSUE); break;
    case domain::InvoiceState::kVoid: out->set_state(v1::INVOICE_STATE_VOID); break;
  }
  switch (invoice.kind) {
    case domain::InvoiceKind::kSales: out->set_kind(v1::INVOICE_KIND_SALES); break;
    case domain::InvoiceKind::kService: out->set_kind(v1::INVOICE_KIND_SERVICE); break;
    case domain::InvoiceKind::kContract: out->set_kind(v1::INVOICE_KIND_CONTRACT); break;
  }
  out->set_number(invoice.number);
  *out->mutable_issue_date() = ToProto(invoice.issue_date);
  *out->mutable_due_date() = ToProto(invoice.due_date);
  out->set_po_number(invoice.po_number);
  out->set_currency_code(currency);
  for (const domain::InvoiceLine& line : invoice.lines) {
    v1::InvoiceLine* proto = out->add_lines();
    proto->set_description(line.description);
    proto->set_quantity(domain::FormatScaledDecimal(line.quantity_e4, domain::kQuantityScale));
    *proto->mutable_unit_price() = MoneyProto(currency, line.unit_price_minor);
    proto->set_tax_rate_percent(domain::FormatScaledDecimal(line.tax_rate_e3, domain::kTaxRateScale));
    *proto->mutable_net_amount() = MoneyProto(currency, line.net_minor);
    *proto->mutable_tax_amount() = MoneyProto(currency, line.tax_minor);
  }
  *out->mutable_subtotal() = MoneyProto(currency, invoice.subtotal_minor);
  *out->mutable_tax_total() = MoneyProto(currency, invoice.tax_total_minor);
  *out->mutable_total() = MoneyProto(currency, invoice.total_minor);
  *out->mutable_outstanding() = MoneyProto(currency, invoice.outstanding_minor);
  *out->mutable_applied() = MoneyProto(currency, invoice.applied_minor);
  out->set_pay_now_url(invoice.pay_now_url);
  out->set_nothing_to_send(invoice.nothing_to_send);
  out->set_void_reason(invoice.void_reason);
  switch (invoice.sync_state) {
    case domain::InvoiceSyncState::kNone: out->set_sync_state(v1::INVOICE_SYNC_STATE_NONE); break;
    case domain::InvoiceSyncState::kPending: out->set_sync_state(v1::INVOICE_SYNC_STATE_PENDING); break;
    case domain::InvoiceSyncState::kSynced: out->set_sync_state(v1::INVOICE_SYNC_STATE_SYNCED); break;
    case domain::InvoiceSyncState::kFailed: out->set_sync_state(v1::INVOICE_SYNC_STATE_FAILED); break;
  }
  out->set_sync_error(invoice.sync_error);
  out->set_version(invoice.version);
  *out->mutable_create_time() = ToTimestamp(invoice.create_time);
  *out->mutable_update_time() = ToTimestamp(invoice.update_time);
}

}  // namespace invoicehub::api
