#include "storage/customer_repository.h"

#include <soci/soci.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "server/domain/status_macros.h"
#include "storage/record_ids.h"
#include "storage/sql_codec.h"

namespace invoicehub::storage {
namespace {

constexpr char kColumns[] =
    "SELECT customer_id, display_name, email, billing_address::text, currency_code, payment_terms_days,"
    " delivery_preference, version, " INVOICEHUB_MICROS("create_time") ", " INVOICEHUB_MICROS("update_time")
    " FROM customers";

constexpr char kInsertCustomer[] =
    "INSERT INTO customers (company_id, customer_id, display_name, email, billing_address, currency_code,"
    " payment_terms_days, delivery_preference, create_time, update_time)"
    " VALUES (:company_id, :customer_id, :display_name, :email, CAST(:address AS jsonb), :currency, :terms,"
    " :delivery, " INVOICEHUB_FROM_MICROS(":now") ", " INVOICEHUB_FROM_MICROS(":now2") ")"
    " ON CONFLICT (company_id, customer_id) DO NOTHING";

constexpr char kUpdateCustomer[] =
    "UPDATE customers SET display_name = :display_name, email = :email, billing_address = CAST(:address AS jsonb),"
    " currency_code = :currency, payment_terms_days = :terms, delivery_preference = :delivery,"
    " version = version + 1, update_time = " INVOICEHUB_FROM_MICROS(":now")
    " WHERE company_id = :company_id AND customer_id = :customer_id";

// Each filter is off when its flag is 1, so one statement serves every
// combination and no SQL is assembled from input.
constexpr char kListCustomers[] =
    " WHERE company_id = :company_id"
    " AND (create_time, customer_id) > (" INVOICEHUB_FROM_MICROS(":after_micros") ", :after_id)"
    " AND (:any_name = 1 OR display_name ILIKE :name_pattern ESCAPE '\\')"
    " AND (:any_email = 1 OR lower(email) = lower(:email))"
    " ORDER BY create_time, customer_id LIMIT :limit";

std::string DeliveryName(domain::DeliveryPreference preference) {
  switch (preference) {
    case domain::DeliveryPreference::kMail: return "mail";
    case domain::DeliveryPreference::kEmail: return "email";
    case domain::DeliveryPreference::kClientAccess: return "client_access";
  }
  return "email";
}

domain::DeliveryPreference DeliveryFromName(const std::string& name) {
  if (name == "mail") return domain::DeliveryPreference::kMail;
  if (name == "client_access") return domain::DeliveryPreference::kClientAccess;
  return domain::DeliveryPreference::kEmail;
}

domain::Customer FromRow(const soci::row& row) {
  domain::Customer customer;
  customer.id = row.get<long long>(0);
  customer.display_name = row.get<std::string>(1);
  customer.email = row.get<std::string>(2);
  customer.billing_address = AddressFromJson(row.get<std::string>(3));
  customer.currency_code = row.get<std::string>(4);
  customer.payment_terms_days = row.get<int>(5);
  customer.delivery_preference = DeliveryFromName(row.get<std::string>(6));
  customer.version = row.get<long long>(7);
  customer.create_time = FromMicros(row.get<long long>(8));
  customer.update_time = FromMicros(row.get<long long>(9));
  return customer;
}

// ILIKE treats %, _ and \ specially; a customer named "100%" must match itself.
std::string LikePattern(const std::string& text) {
  return absl::StrCat("%", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}}), "%");
}

}  // namespace

absl::StatusOr<domain::Customer> InsertCustomer(Transaction& tx, int64_t company_id, const domain::Customer& customer,
                                                absl::Time now) {
  long long company = company_id, micros = ToMicros(now), micros2 = micros;
  int terms = customer.payment_terms_days;
  std::string address = AddressToJson(customer.billing_address);
  std::string delivery = DeliveryName(customer.delivery_preference);
  ASSIGN_OR_RETURN(int64_t id, InsertWithRandomId([&](long long& id) {
                     return soci::statement(
                         (tx.session().prepare << kInsertCustomer, soci::use(company, "company_id"),
                          soci::use(id, "customer_id"), soci::use(customer.display_name, "display_name"),
                          soci::use(customer.email, "email"), soci::use(address, "address"),
                          soci::use(customer.currency_code, "currency"), soci::use(terms, "terms"),
                          soci::use(delivery, "delivery"), soci::use(micros, "now"), soci::use(micros2, "now2")));
                   }));
  return FindCustomer(tx, company_id, id);
}

absl::StatusOr<domain::Customer> FindCustomer(Transaction& tx, int64_t company_id, int64_t customer_id,
                                              LockMode lock) {
  long long company = company_id, id = customer_id;
  soci::row row;
  tx.session() << absl::StrCat(kColumns, " WHERE company_id = :company_id AND customer_id = :customer_id",
                               LockClause(lock)),
      soci::use(company, "company_id"), soci::use(id, "customer_id"), soci::into(row);
  if (!tx.session().got_data()) return absl::NotFoundError(absl::StrCat("customer ", customer_id, " not found"));
  return FromRow(row);
}

absl::StatusOr<domain::Customer> UpdateCustomer(Transaction& tx, int64_t company_id, const domain::Customer& customer,
                                                absl::Time now) {
  long long company = company_id, id = customer.id, micros = ToMicros(now);
  int terms = customer.payment_terms_days;
  std::string address = AddressToJson(customer.billing_address);
  std::string delivery = DeliveryName(customer.delivery_preference);
  tx.session() << kUpdateCustomer, soci::use(customer.display_name, "display_name"), soci::use(customer.email, "email"),
      soci::use(address, "address"), soci::use(customer.currency_code, "currency"), soci::use(terms, "terms"),
      soci::use(delivery, "delivery"), soci::use(micros, "now"), soci::use(company, "company_id"),
      soci::use(id, "customer_id");
  return FindCustomer(tx, company_id, customer.id);
}

std::vector<domain::Customer> ListCustomers(Transaction& tx, int64_t company_id, const CustomerFilter& filter,
                                            const ListCursor& after, int limit) {
  long long company = company_id, after_micros = after.create_micros, after_id = after.id;
  int any_name = filter.name_contains.empty() ? 1 : 0, any_email = filter.email.empty() ? 1 : 0;
  std::string pattern = LikePattern(filter.name_contains);
  soci::rowset<soci::row> rows =
      (tx.session().prepare << absl::StrCat(kColumns, kListCustomers), soci::use(company, "company_id"),
       soci::use(after_micros, "after_micros"), soci::use(after_id, "after_id"), soci::use(any_name, "any_name"),
       soci::use(pattern, "name_pattern"),
       soci::use(any_email, "any_email"), soci::use(filter.email, "email"), soci::use(limit, "limit"));
  std::vector<domain::Customer> customers;
  for (const soci::row& row : rows) customers.push_back(FromRow(row));
  return customers;
}

}  // namespace invoicehub::storage
