#include "server/domain/invoice.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "server/domain/decimal.h"
#include "server/domain/text_rules.h"

namespace invoicehub::domain {

std::string InvoiceStateName(InvoiceState state) {
  switch (state) {
    case InvoiceState::kDraft: return "DRAFT";
    case InvoiceState::kFinal: return "FINAL";
    case InvoiceState::kReissue: return "REISSUE";
    case InvoiceState::kVoid: return "VOID";
  }
  return "UNKNOWN";
}

std::vector<InvoiceLine> ParseInvoiceLines(FieldErrors& errors, const std::string& field,
                                           const std::vector<InvoiceLineInput>& inputs,
                                           const std::string& invoice_currency) {
  std::vector<InvoiceLine> lines;
  std::string currency = invoice_currency;
  if (currency.empty())
    for (const InvoiceLineInput& input : inputs)
      if (input.unit_price && IsKnownCurrency(input.unit_price->currency_code)) {
        currency = input.unit_price->currency_code;
        break;
      }
  if (inputs.empty()) errors.Add(field, "at least one line is required");
  if (inputs.size() > kMaxInvoiceLines)
    errors.Add(field, absl::StrCat("must have at most ", kMaxInvoiceLines, " lines"));
  for (size_t i = 0; i < inputs.size() && i < kMaxInvoiceLines; ++i) {
    const InvoiceLineInput& input = inputs[i];
    const std::string path = absl::StrCat(field, "[", i, "]");
    InvoiceLine line;
    line.description = input.description;
    CheckText(errors, path + ".description", input.description, 1000, Presence::kRequired);

    if (input.quantity.empty()) {
      errors.Add(path + ".quantity", "is required");
    } else if (!input.quantity.empty() && input.quantity[0] == '-') {
      errors.Add(path + ".quantity", "must not be negative");
    } else if (auto quantity = ParseScaledDecimal(input.quantity, kQuantityScale)) {
      line.quantity_e4 = *quantity;
    } else {
      errors.Add(path + ".quantity", "must be a decimal such as \"1.5\" with at most 4 decimal places");
    }

    if (!input.unit_price) {
      errors.Add(path + ".unit_price", "is required");
    } else {
      const Money& price = *input.unit_price;
      if (!price.currency_code.empty() && price.currency_code != currency) {
        if (!IsKnownCurrency(price.currency_code))
          errors.Add(path + ".unit_price.currency_code", "is not an ISO 4217 currency code");
        else
          errors.Add(path + ".unit_price.currency_code",
                     absl::StrCat("must be the invoice's currency ", currency, "; one invoice cannot mix currencies"));
      }
      if (price.minor_units < 0) errors.Add(path + ".unit_price.minor_units", "must not be negative");
      line.unit_price_minor = price.minor_units;
    }

    if (input.tax_rate_percent.empty()) {
      line.tax_rate_e3 = 0;
    } else if (auto rate = ParseScaledDecimal(input.tax_rate_percent, kTaxRateScale);
               rate && *rate <= kHundredPercent) {
      line.tax_rate_e3 = *rate;
    } else {
      errors.Add(path + ".tax_rate_percent", "must be a percentage from 0 to 100 with at most 3 decimal places");
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

int64_t Outstanding(int64_t total_minor, int64_t applied_minor) {
  std::optional<int64_t> outstanding = CheckedSub(total_minor, applied_minor);
  return outstanding && *outstanding > 0 ? *outstanding : 0;
}

absl::Status ComputeTotals(Invoice& invoice, const std::string& field) {
  auto overflow = [&] {
    return InvalidField(field, "amounts are too large: a total does not fit in 64-bit minor units");
  };
  int64_t subtotal = 0, tax_total = 0;
  for (InvoiceLine& line : invoice.lines) {
    std::optional<int64_t> net = MulDivRounded(line.unit_price_minor, line.quantity_e4, kQuantityOne);
    if (!net) return overflow();
    // Tax is rounded per line, as printed on the line.
    std::optional<int64_t> tax = MulDivRounded(*net, line.tax_rate_e3, kHundredPercent);
    if (!tax) return overflow();
    line.net_minor = *net;
    line.tax_minor = *tax;
    std::optional<int64_t> new_subtotal = CheckedAdd(subtotal, *net);
    std::optional<int64_t> new_tax = CheckedAdd(tax_total, *tax);
    if (!new_subtotal || !new_tax) return overflow();
    subtotal = *new_subtotal;
    tax_total = *new_tax;
  }
  std::optional<int64_t> total = CheckedAdd(subtotal, tax_total);
  if (!total) return overflow();
  invoice.subtotal_minor = subtotal;
  invoice.tax_total_minor = tax_total;
  invoice.total_minor = *total;
  invoice.outstanding_minor = Outstanding(*total, invoice.applied_minor);
  assert(invoice.total_minor == invoice.subtotal_minor + invoice.tax_total_minor);
  assert(invoice.outstanding_minor >= 0 && invoice.outstanding_minor <= std::max<int64_t>(invoice.total_minor, 0));
  return absl::OkStatus();
}

absl::Status CheckEditable(const Invoice& invoice) {
  if (invoice.state == InvoiceState::kDraft || invoice.state == InvoiceState::kReissue) return absl::OkStatus();
  return RuleViolation("LC-1", absl::StrCat("invoice ", invoice.id, " is ", InvoiceStateName(invoice.state),
                                            "; lines, dates and PO number can be changed only in DRAFT or REISSUE"));
}

absl::Status CheckAppliedWithinTotal(const Invoice& invoice) {
  if (invoice.applied_minor <= invoice.total_minor) return absl::OkStatus();
  return RuleViolation("LC-3", absl::StrCat("the new total ", invoice.total_minor, " is below the ",
                                            invoice.applied_minor, " minor units of ", invoice.currency_code,
                                            " already applied to invoice ", invoice.id,
                                            "; revert it to DRAFT to release them first"));
}

void ValidateInvoiceHeader(FieldErrors& errors, const Invoice& invoice) {
  if (invoice.due_date < invoice.issue_date) errors.Add("due_date", "must not be before issue_date");
  // The API reads dates up to year 9999; a computed due date must be one too.
  if (invoice.due_date.year() > 9999) errors.Add("due_date", "must not be after 9999-12-31");
  CheckText(errors, "po_number", invoice.po_number, 64, Presence::kOptional);
}

}  // namespace invoicehub::domain
