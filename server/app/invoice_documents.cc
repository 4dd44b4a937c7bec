#include "server/app/invoice_documents.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "integrations/pdf/invoice_pdf.h"
#include "server/app/api_key_secrets.h"
#include "server/domain/company.h"
#include "server/domain/customer.h"
#include "server/domain/email_template.h"
#include "server/domain/invoice_lifecycle.h"
#include "server/domain/money.h"
#include "server/domain/status_macros.h"
#include "server/domain/update_mask.h"
#include "storage/company_repository.h"
#include "storage/customer_repository.h"
#include "storage/invoice_repository.h"

namespace invoicehub::app {
namespace {

absl::StatusOr<domain::Invoice> FindAtVersion(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                              int64_t expected_version) {
  ASSIGN_OR_RETURN(domain::Invoice invoice, storage::FindInvoice(tx, company_id, invoice_id, storage::LockMode::kNone,
                                                                 storage::InvoiceLines::kSkip));
  if (expected_version != 0) RETURN_IF_ERROR(domain::CheckVersion("version", invoice.version, expected_version));
  return invoice;
}

std::string AmountText(const domain::Invoice& invoice, int64_t minor) {
  return domain::FormatMinorUnits(minor, domain::CurrencyMinorDigits(invoice.currency_code).value_or(2));
}

}  // namespace

absl::Status RenderAndStoreInvoicePdf(storage::Transaction& tx, const domain::Company& company,
                                      const domain::Invoice& invoice, absl::Time now) {
  ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, company.id, invoice.customer_id));
  ASSIGN_OR_RETURN(std::string pdf, pdf::RenderInvoicePdf(company, customer, invoice, invoice.pay_now_url));
  storage::SaveInvoicePdf(tx, company.id, invoice.id, pdf, Sha256Hex(pdf), now);
  return absl::OkStatus();
}

absl::StatusOr<storage::StoredPdf> FindInvoicePdf(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                  int64_t expected_version) {
  ASSIGN_OR_RETURN(domain::Invoice invoice, FindAtVersion(tx, company_id, invoice_id, expected_version));
  std::optional<storage::StoredPdf> pdf;
  if (invoice.state != domain::InvoiceState::kDraft) pdf = storage::FindInvoicePdf(tx, company_id, invoice_id);
  if (!pdf)
    return domain::RuleViolation("LC-2", absl::StrCat("invoice ", invoice_id, " is ",
                                                      domain::InvoiceStateName(invoice.state),
                                                      " and has no final PDF; it is rendered when finalized"));
  return *std::move(pdf);
}

absl::StatusOr<InvoiceEmail> RenderInvoiceEmail(storage::Transaction& tx, int64_t company_id, int64_t invoice_id,
                                                int64_t expected_version) {
  ASSIGN_OR_RETURN(domain::Invoice invoice, FindAtVersion(tx, company_id, invoice_id, expected_version));
  if (invoice.state != domain::InvoiceState::kFinal)
    return domain::RuleViolation(domain::kLifecycleRule,
                                 absl::StrCat("invoice ", invoice_id, " is ", domain::InvoiceStateName(invoice.state),
                                              "; only a FINAL invoice is emailed"));
  ASSIGN_OR_RETURN(domain::Company company, storage::FindCompany(tx, company_id));
  ASSIGN_OR_RETURN(domain::Customer customer, storage::FindCustomer(tx, company_id, invoice.customer_id));
  const std::map<std::string, std::string> values = {
      {"invoice_number", invoice.number},
      {"customer_name", customer.display_name},
      {"company_name", company.display_name},
      {"amount_due", AmountText(invoice, invoice.outstanding_minor)},
      {"total", AmountText(invoice, invoice.total_minor)},
      {"currency_code", invoice.currency_code},
      {"issue_date", absl::FormatCivilTime(invoice.issue_date)},
      {"due_date", absl::FormatCivilTime(invoice.due_date)},
      {"po_number", invoice.po_number},
      {"pay_now_url", invoice.pay_now_url},  // BP-4
  };
  const std::string& subject =
      company.email_subject_template.empty() ? domain::kDefaultEmailSubject : company.email_subject_template;
  const std::string body = company.email_body_template.empty() ? domain::DefaultEmailBody(!invoice.pay_now_url.empty())
                                                                 : company.email_body_template;
  return InvoiceEmail{customer.email, domain::RenderEmailTemplate(subject, values),
                      domain::RenderEmailTemplate(body, values)};
}

absl::StatusOr<storage::Attachment> AddInvoiceAttachment(storage::Transaction& tx, int64_t company_id,
                                                         storage::Attachment attachment, absl::Time now) {
  RETURN_IF_ERROR(storage::FindInvoice(tx, company_id, attachment.invoice_id, storage::LockMode::kNone,
                                       storage::InvoiceLines::kSkip)
                      .status());
  attachment.sha256 = Sha256Hex(attachment.content);
  return storage::InsertAttachment(tx, company_id, attachment, now);
}

}  // namespace invoicehub::app
