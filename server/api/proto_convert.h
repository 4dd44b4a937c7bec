#pragma once
// proto <-> domain. Parsing functions add every problem to a FieldErrors
// under the request's field path; nothing here talks to the database.

#include <cstdint>
#include <string>

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <set>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "invoicehub/v1/admin_service.pb.h"
#include "invoicehub/v1/common.pb.h"
#include "invoicehub/v1/customer_service.pb.h"
#include "invoicehub/v1/invoice_service.pb.h"
#include "invoicehub/v1/payment_service.pb.h"
#include "server/domain/api_key.h"
#include "server/domain/company.h"
#include "server/domain/customer.h"
#include "server/domain/field_errors.h"
#include "server/domain/invoice.h"
#include "server/domain/payment.h"
#include "server/domain/update_mask.h"

namespace invoicehub::api {

// Ids travel as decimal strings. Empty or malformed: a violation on `field`.
int64_t ParseId(domain::FieldErrors& errors, const std::string& field, const std::string& text);
std::string FormatId(int64_t id);

v1::Money MoneyProto(const std::string& currency, int64_t minor_units);

// An update_mask limited to `allowed` paths; others are violations.
domain::UpdateMask ParseUpdateMask(domain::FieldErrors& errors, const google::protobuf::FieldMask& mask,
                                   const std::set<std::string>& allowed);

// A real calendar day from year 1900 to 9999; else a violation and nullopt.
std::optional<absl::CivilDay> ParseDate(domain::FieldErrors& errors, const std::string& field, const v1::Date& date);
v1::Date ToProto(absl::CivilDay day);
google::protobuf::Timestamp ToTimestamp(absl::Time time);

domain::PostalAddress FromProto(const v1::PostalAddress& address);
void ToProto(const domain::PostalAddress& address, v1::PostalAddress* out);

domain::Company FromProto(const v1::Company& company);
void ToProto(const domain::Company& company, v1::Company* out);

void ToProto(const domain::ApiKey& key, v1::ApiKey* out);
// ROLE_UNSPECIFIED or an unknown value: a violation on `field`.
domain::Role ParseRole(domain::FieldErrors& errors, const std::string& field, v1::Role role);

// Unspecified enums take their documented defaults.
domain::Customer FromProto(domain::FieldErrors& errors, const v1::Customer& customer);
void ToProto(const domain::Customer& customer, v1::Customer* out);

domain::InvoiceKind ParseInvoiceKind(domain::FieldErrors& errors, const std::string& field, v1::InvoiceKind kind);
std::optional<domain::InvoiceState> ParseInvoiceStateFilter(domain::FieldErrors& errors, const std::string& field,
                                                            v1::InvoiceState state);
std::vector<domain::InvoiceLineInput> FromProto(
    const google::protobuf::RepeatedPtrField<v1::InvoiceLine>& lines);
void ToProto(const domain::Invoice& invoice, v1::Invoice* out);

// Declared here, with the other entities, so that MutationScope::AuditChange
// finds it; defined in payment_convert.cc.
void ToProto(const domain::Payment& payment, v1::Payment* out);

}  // namespace invoicehub::api
