#include "storage/sql_codec.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace invoicehub::storage {

std::string BytesToHex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

std::string HexToBytes(const std::string& hex) { return absl::HexStringToBytes(hex); }

std::string DayToSql(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::CivilDay DayFromSql(const std::string& text) {
  absl::CivilDay day;
  absl::ParseCivilTime(text, &day);  // PostgreSQL always answers ISO dates
  return day;
}

std::string AddressToJson(const domain::PostalAddress& address) {
  nlohmann::json json = {
      {"address_lines", address.address_lines},
      {"locality", address.locality},
      {"administrative_area", address.administrative_area},
      {"postal_code", address.postal_code},
      {"region_code", address.region_code},
  };
  return json.dump();
}

domain::PostalAddress AddressFromJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  domain::PostalAddress address;
  if (!json.is_object()) return address;
  address.address_lines = json.value("address_lines", std::vector<std::string>{});
  address.locality = json.value("locality", "");
  address.administrative_area = json.value("administrative_area", "");
  address.postal_code = json.value("postal_code", "");
  address.region_code = json.value("region_code", "");
  return address;
}

}  // namespace invoicehub::storage
