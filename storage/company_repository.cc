#include "storage/company_repository.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "server/domain/status_macros.h"
#include "storage/record_ids.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kSelectCompany[] =
    "SELECT company_id, display_name, time_zone, default_currency_code, invoice_number_prefix,"
    " address::text, version, " INVOICEHUB_MICROS("create_time") ", " INVOICEHUB_MICROS("update_time")
    ", email_subject_template, email_body_template FROM companies WHERE company_id = :company_id";

constexpr char kInsertCompany[] =
    "INSERT INTO companies (company_id, display_name, time_zone, default_currency_code, invoice_number_prefix,"
    " address, email_subject_template, email_body_template, create_time, update_time)"
    " VALUES (:company_id, :display_name, :time_zone, :currency, :prefix, CAST(:address AS jsonb), :subject, :body,"
    " " INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ")"
    " ON CONFLICT (company_id) DO NOTHING";

constexpr char kUpdateCompany[] =
    "UPDATE companies SET display_name = :display_name, time_zone = :time_zone,"
    " default_currency_code = :currency, invoice_number_prefix = :prefix,"
    " address = CAST(:address AS jsonb), email_subject_template = :subject, email_body_template = :body,"
    " version = version + 1,"
    " update_time = " INVOICEHUB_FROM_MICROS(":now") " WHERE company_id = :company_id";

}  // namespace

absl::StatusOr<domain::Company> FindCompany(Transaction& tx, int64_t company_id, LockMode lock) {
  soci::row row;
  long long id = company_id;
  tx.session() << absl::StrCat(kSelectCompany, LockClause(lock)), soci::use(id, "company_id"), soci::into(row);
  if (!tx.session().got_data()) return absl::NotFoundError(absl::StrCat("company ", company_id, " not found"));
  domain::Company company;
  company.id = row.get<long long>(0);
  company.display_name = row.get<std::string>(1);
  company.time_zone = row.get<std::string>(2);
  company.default_currency_code = row.get<std::string>(3);
  company.invoice_number_prefix = row.get<std::string>(4);
  company.address = AddressFromJson(row.get<std::string>(5));
  company.version = row.get<long long>(6);
  company.create_time = FromMicros(row.get<long long>(7));
  company.update_time = FromMicros(row.get<long long>(8));
  company.email_subject_template = row.get<std::string>(9);
  company.email_body_template = row.get<std::string>(10);
  return company;
}

absl::StatusOr<domain::Company> InsertCompany(Transaction& tx, const domain::Company& company, absl::Time now) {
  long long micros = ToMicros(now), micros2 = micros;
  std::string address = AddressToJson(company.address);
  ASSIGN_OR_RETURN(int64_t id, InsertWithRandomId([&](long long& id) {
                     return soci::statement(
                         (tx.session().prepare << kInsertCompany, soci::use(id, "company_id"),
                          soci::use(company.display_name, "display_name"), soci::use(company.time_zone, "time_zone"),
                          soci::use(company.default_currency_code, "currency"),
                          soci::use(company.invoice_number_prefix, "prefix"), soci::use(address, "address"),
                          soci::use(company.email_subject_template, "subject"),
                          soci::use(company.email_body_template, "body"), soci::use(micros, "now"),
                          soci::use(micros2, "now2")));
                   }));
  return FindCompany(tx, id);
}

absl::StatusOr<domain::Company> UpdateCompany(Transaction& tx, const domain::Company& company, absl::Time now) {
  long long id = company.id, micros = ToMicros(now);
  std::string address = AddressToJson(company.address);
  tx.session() << kUpdateCompany, soci::use(company.display_name, "display_name"),
      soci::use(company.time_zone, "time_zone"), soci::use(company.default_currency_code, "currency"),
      soci::use(company.invoice_number_prefix, "prefix"), soci::use(address, "address"),
      soci::use(company.email_subject_template, "subject"), soci::use(company.email_body_template, "body"),
      soci::use(micros, "now"), soci::use(id, "company_id");
  return FindCompany(tx, company.id);
}

}  // namespace invoicehub::storage
