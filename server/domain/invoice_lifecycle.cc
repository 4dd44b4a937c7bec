#include "server/domain/invoice_lifecycle.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "server/domain/field_errors.h"

namespace invoicehub::domain {
namespace {

std::vector<InvoiceState> AllowedTargets(InvoiceState from) {
  switch (from) {
    case InvoiceState::kDraft: return {InvoiceState::kFinal, InvoiceState::kVoid};
    case InvoiceState::kFinal: return {InvoiceState::kReissue, InvoiceState::kDraft, InvoiceState::kVoid};
    case InvoiceState::kReissue: return {InvoiceState::kFinal, InvoiceState::kDraft};
    case InvoiceState::kVoid: return {};
  }
  return {};
}

}  // namespace

bool IsAllowedMove(InvoiceState from, InvoiceState to) {
  for (InvoiceState target : AllowedTargets(from))
    if (target == to) return true;
  return false;
}

absl::Status CheckMove(const Invoice& invoice, InvoiceState to) {
  const std::string moving = absl::StrCat("invoice ", invoice.id, " is ", InvoiceStateName(invoice.state));
  if (!IsAllowedMove(invoice.state, to)) {
    std::vector<InvoiceState> targets = AllowedTargets(invoice.state);
    std::string allowed = targets.empty()
                              ? "no move is allowed from VOID"
                              : absl::StrCat("allowed moves are to ",
                                             absl::StrJoin(targets, ", ", [](std::string* out, InvoiceState s) {
                                               out->append(InvoiceStateName(s));
                                             }));
    return RuleViolation(kLifecycleRule,
                         absl::StrCat(moving, " and cannot move to ", InvoiceStateName(to), "; ", allowed));
  }
  if (invoice.state == InvoiceState::kFinal && to == InvoiceState::kVoid && invoice.applied_minor != 0)
    return RuleViolation(kLifecycleRule,
                         absl::StrCat(moving, " with ", invoice.applied_minor, " minor units of ",
                                      invoice.currency_code,
                                      " applied; a FINAL invoice is voided only with nothing paid. Reverse the "
                                      "payments or revert the invoice to DRAFT first"));
  return absl::OkStatus();
}

std::string FormatInvoiceNumber(const std::string& prefix, int64_t number) {
  return absl::StrCat(prefix, absl::StrFormat("%06d", number));
}

bool NothingToSend(const Invoice& invoice) { return invoice.total_minor == 0 || invoice.outstanding_minor == 0; }

}  // namespace invoicehub::domain
