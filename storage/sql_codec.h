#pragma once
// Conversions between domain values and what the SQL columns hold. Times
// travel as integer microseconds since the epoch and dates as "YYYY-MM-DD"
// text, so that nothing is lost in SOCI's std::tm mapping.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "server/domain/address.h"

namespace invoicehub::storage {

// SQL to read a timestamptz column as microseconds, and to write them back.
#define INVOICEHUB_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"
#define INVOICEHUB_FROM_MICROS(param) "('epoch'::timestamptz + " param " * interval '1 microsecond')"

inline long long ToMicros(absl::Time time) { return absl::ToUnixMicros(time); }
inline absl::Time FromMicros(long long micros) { return absl::FromUnixMicros(micros); }

std::string DayToSql(absl::CivilDay day);
absl::CivilDay DayFromSql(const std::string& text);

// The ids of `records` (anything with an `id`) as a PostgreSQL array literal
// "{1,2,3}", bound as text and cast: `= ANY(CAST(:ids AS bigint[]))`.
template <typename Records>
std::string IdArrayLiteral(const Records& records) {
  std::string literal = "{";
  for (const auto& record : records) absl::StrAppend(&literal, literal.size() > 1 ? "," : "", record.id);
  return literal + "}";
}

// Binary columns travel hex-encoded (encode/decode(..., 'hex') in SQL).
std::string BytesToHex(const std::string& bytes);
std::string HexToBytes(const std::string& hex);

std::string AddressToJson(const domain::PostalAddress& address);
domain::PostalAddress AddressFromJson(const std::string& json);

}  // namespace invoicehub::storage
