#include "server/app/customer_actions.h"

#include "server/domain/status_macros.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"

namespace invoicehub::app {

absl::StatusOr<domain::Customer> CreateCustomer(storage::Transaction& tx, int64_t company_id,
                                                domain::Customer customer, absl::Time now) {
  if (customer.currency_code.empty()) {
    ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
    customer.currency_code = company.default_currency_code;
  }
  domain::FieldErrors errors;
  domain::ValidateCustomer(errors, "customer", customer);
  RETURN_IF_ERROR(errors.ToStatus());
  return storage::InsertCustomer(tx, company_id, customer, now);
}

absl::StatusOr<Change<domain::Customer>> UpdateCustomer(storage::Transaction& tx, int64_t company_id,
                                                        const domain::Customer& patch, const domain::UpdateMask& mask,
                                                        absl::Time now) {
  ASSIGN_OR_RETURN(domain::Customer current,
                   storage::FindCustomer(tx, company_id, patch.id, storage::LockMode::kForUpdate));
  RETURN_IF_ERROR(domain::CheckVersion("customer.version", current.version, patch.version));
  domain::Customer next = current;
  if (mask.Has("display_name")) next.display_name = patch.display_name;
  if (mask.Has("email")) next.email = patch.email;
  if (mask.Has("billing_address")) next.billing_address = patch.billing_address;
  if (mask.Has("currency_code")) next.currency_code = patch.currency_code;
  if (mask.Has("payment_terms_days")) next.payment_terms_days = patch.payment_terms_days;
  if (mask.Has("delivery_preference")) next.delivery_preference = patch.delivery_preference;
  domain::FieldErrors errors;
  domain::ValidateCustomer(errors, "customer", next);
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(domain::Customer saved, storage::UpdateCustomer(tx, company_id, next, now));
  return Change<domain::Customer>{std::move(current), std::move(saved)};
}

}  // namespace invoicehub::app
