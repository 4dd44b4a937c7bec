#pragma once
// The invoice email a company sends: a subject and a plain-text body with
// placeholders `{{name}}` filled from the invoice when the email is rendered.
// BP-4: the body can carry the invoice's Pay Now URL (`{{pay_now_url}}`).
//
// The template language, all of it:
// - `{{name}}` is a placeholder; spaces (and tabs or line breaks) around the
//   name are ignored, so `{{ due_date }}` is `{{due_date}}`. It ends at the
//   first `}}` after its `{{`.
// - A lone `{` or `}`, and a `}}` with no `{{` before it, are plain text.
// - There is no escape: a template cannot show a literal `{{`.
// - No conditionals, loops or filters.
// An unknown, empty or unclosed placeholder is refused when the template is
// SAVED (ValidateEmailTemplate); rendering never fails.

#include <array>
#include <cstddef>
#include <map>
#include <string>

#include "absl/strings/string_view.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {

// Every placeholder a template may use, in the order error messages list
// them. The caller of RenderEmailTemplate supplies the values as text:
//   invoice_number  the invoice number, e.g. "INV-000042" (LC-2)
//   customer_name   the customer's display name
//   company_name    the issuing company's display name
//   amount_due      what is still outstanding (LC-3), a decimal amount
//                   without the currency code, e.g. "1234.50"
//   total           the invoice total, formatted like amount_due
//   currency_code   ISO 4217, e.g. "CHF"
//   issue_date      civil date in the company's time zone, e.g. "2025-03-31"
//   due_date        civil date in the company's time zone
//   po_number       the customer's purchase-order number (may be empty)
//   pay_now_url     the bill-pay Pay Now URL of the invoice (BP-4); empty when
//                   the company has no bill-pay account
inline constexpr std::array<absl::string_view, 10> kEmailPlaceholders = {
    "invoice_number", "customer_name", "company_name", "amount_due", "total",
    "currency_code",  "issue_date",    "due_date",     "po_number",  "pay_now_url",
};

// Limits in bytes of UTF-8 (what the database column and the mailer see).
inline constexpr size_t kMaxEmailSubjectBytes = 200;
inline constexpr size_t kMaxEmailBodyBytes = 10'000;

// Used when a company has not saved a template of its own.
inline constexpr char kDefaultEmailSubject[] = "Invoice {{invoice_number}} from {{company_name}}";
inline constexpr char kDefaultEmailBody[] =
    "Hello {{customer_name}},\n"
    "\n"
    "Invoice {{invoice_number}} from {{company_name}} is ready.\n"
    "\n"
    "Amount due: {{currency_code}} {{amount_due}}\n"
    "Due date: {{due_date}}\n"
    "\n"
    "Pay online: {{pay_now_url}}\n"
    "\n"
    "Thank you for your business.\n"
    "\n"
    "{{company_name}}\n";
// The lines of kDefaultEmailBody that only make sense with a Pay Now URL.
inline constexpr char kDefaultPayNowLines[] = "Pay online: {{pay_now_url}}\n\n";

// The default body, without kDefaultPayNowLines for an invoice that has no
// Pay Now URL (yet): a bare "Pay online:" would look broken to the customer.
std::string DefaultEmailBody(bool has_pay_now_url);

// True for a name of kEmailPlaceholders (without braces or spaces).
bool IsKnownEmailPlaceholder(absl::string_view name);

// Adds a violation on `field` for each problem of a template text:
// - longer than `max_length` bytes (then nothing else is checked);
// - not valid UTF-8 (then nothing else is checked);
// - a control character: none at all when !multi_line (a subject is one line:
//   no CR, LF or TAB); when multi_line (a body), "\n", "\r\n" and "\t" are
//   allowed and every other C0/C1 control, DEL and a lone "\r" are not;
// - a `{{` without a closing `}}`;
// - an empty placeholder `{{}}` (reported once);
// - each distinct unknown placeholder, one violation each, naming it and
//   listing the known ones.
// An empty text is valid; whether the field is required is the caller's rule.
void ValidateEmailTemplate(FieldErrors& errors, const std::string& field, const std::string& text,
                           size_t max_length, bool multi_line);

// Replaces each known placeholder of `text` with its entry in `values` (the
// empty string when it has none). Values are inserted verbatim (plain-text
// email, no escaping) and are not scanned again, so a value such as
// "{{pay_now_url}}" stays as written. For a text that did not pass
// ValidateEmailTemplate: unknown and empty placeholders and an unclosed `{{`
// are copied as they are; entries of `values` that are not known
// placeholders are never used.
std::string RenderEmailTemplate(const std::string& text, const std::map<std::string, std::string>& values);

}  // namespace invoicehub::domain
