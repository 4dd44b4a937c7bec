#include "server/app/company_actions.h"

#include "server/app/api_key_secrets.h"
#include "server/domain/status_macros.h"
#include "server/domain/text_rules.h"
#include "storage/api_key_repository.h"
#include "storage/company_repository.h"

namespace invoicehub::app {

absl::StatusOr<CreatedCompany> CreateCompany(storage::Transaction& tx, domain::Company company, absl::Time now) {
  domain::ApplyCompanyDefaults(company);
  domain::FieldErrors errors;
  domain::ValidateCompany(errors, "company", company);
  RETURN_IF_ERROR(errors.ToStatus());
  CreatedCompany created;
  ASSIGN_OR_RETURN(created.company, storage::InsertCompany(tx, company, now));
  ASSIGN_OR_RETURN(created.admin_key, IssueApiKey(tx, created.company.id, "initial admin key", domain::Role::kAdmin, now));
  return created;
}

absl::StatusOr<Change<domain::Company>> UpdateCompany(storage::Transaction& tx, int64_t company_id,
                                                      const domain::Company& patch, const domain::UpdateMask& mask,
                                                      absl::Time now) {
  ASSIGN_OR_RETURN(domain::Company current, storage::FindCompany(tx, company_id, storage::LockMode::kForUpdate));
  RETURN_IF_ERROR(domain::CheckVersion("company.version", current.version, patch.version));
  domain::Company next = current;
  if (mask.Has("display_name")) next.display_name = patch.display_name;
  if (mask.Has("time_zone")) next.time_zone = patch.time_zone;
  if (mask.Has("default_currency_code")) next.default_currency_code = patch.default_currency_code;
  if (mask.Has("invoice_number_prefix")) next.invoice_number_prefix = patch.invoice_number_prefix;
  if (mask.Has("address")) next.address = patch.address;
  if (mask.Has("email_subject_template")) next.email_subject_template = patch.email_subject_template;
  if (mask.Has("email_body_template")) next.email_body_template = patch.email_body_template;
  domain::FieldErrors errors;
  domain::ValidateCompany(errors, "company", next);
  RETURN_IF_ERROR(errors.ToStatus());
  ASSIGN_OR_RETURN(domain::Company saved, storage::UpdateCompany(tx, next, now));
  return Change<domain::Company>{std::move(current), std::move(saved)};
}

absl::StatusOr<IssuedApiKey> IssueApiKey(storage::Transaction& tx, int64_t company_id, std::string display_name,
                                         domain::Role role, absl::Time now) {
  domain::FieldErrors errors;
  domain::CheckText(errors, "display_name", display_name, 100, domain::Presence::kRequired);
  RETURN_IF_ERROR(errors.ToStatus());
  RETURN_IF_ERROR(storage::FindCompany(tx, company_id).status());
  NewApiKeySecret secret = GenerateApiKeySecret(company_id);
  domain::ApiKey key;
  key.company_id = company_id;
  key.display_name = std::move(display_name);
  key.role = role;
  key.secret_prefix = secret.prefix;
  IssuedApiKey issued;
  ASSIGN_OR_RETURN(issued.key, storage::InsertApiKey(tx, key, secret.secret_sha256, now));
  issued.secret = std::move(secret.secret);
  return issued;
}

absl::StatusOr<Change<domain::ApiKey>> RevokeApiKey(storage::Transaction& tx, int64_t company_id, int64_t api_key_id,
                                                    absl::Time now) {
  ASSIGN_OR_RETURN(domain::ApiKey before,
                   storage::FindApiKey(tx, company_id, api_key_id, storage::LockMode::kForUpdate));
  ASSIGN_OR_RETURN(domain::ApiKey after, storage::RevokeApiKey(tx, company_id, api_key_id, now));
  return Change<domain::ApiKey>{std::move(before), std::move(after)};
}

}  // namespace invoicehub::app
