#include "server/domain/field_errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace invoicehub::domain {
namespace {

// Payload keys on absl::Status; the API layer turns them into proto details.
constexpr char kViolationsPayload[] = "invoicehub/field-violations";
constexpr char kRulePayload[] = "invoicehub/rule";
// Separators that cannot appear in a field path; descriptions are ours.
constexpr char kFieldSep = '\x1f';
constexpr char kRecordSep = '\x1e';

// gRPC clients refuse trailers over ~8 KiB, so a request with hundreds of
// problems would come back as RESOURCE_EXHAUSTED instead of its violations.
// The message names the first few; the details carry up to kMaxDetails.
constexpr size_t kMaxInMessage = 5;
constexpr size_t kMaxDetails = 50;

}  // namespace

absl::Status FieldErrors::ToStatus(const std::string& summary) const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message = absl::StrCat(summary, ": ");
  std::string payload;
  for (size_t i = 0; i < violations_.size() && i < kMaxDetails; ++i) {
    const FieldViolation& v = violations_[i];
    if (i < kMaxInMessage) absl::StrAppend(&message, i ? "; " : "", v.field, ": ", v.description);
    absl::StrAppend(&payload, v.field, std::string(1, kFieldSep), v.description,
                    std::string(1, kRecordSep));
  }
  if (violations_.size() > kMaxInMessage)
    absl::StrAppend(&message, "; and ", violations_.size() - kMaxInMessage, " more (see details)");
  if (violations_.size() > kMaxDetails)
    absl::StrAppend(&payload, "(request)", std::string(1, kFieldSep), violations_.size() - kMaxDetails,
                    " more problems not listed", std::string(1, kRecordSep));
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kViolationsPayload, absl::Cord(payload));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldErrors errors;
  errors.Add(std::move(field), std::move(description));
  return errors.ToStatus();
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> result;
  auto payload = status.GetPayload(kViolationsPayload);
  if (!payload) return result;
  for (absl::string_view record :
       absl::StrSplit(std::string(*payload), kRecordSep, absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(record, absl::MaxSplits(kFieldSep, 1));
    result.push_back({parts.first, parts.second});
  }
  return result;
}

absl::Status RuleViolation(const std::string& rule, const std::string& description) {
  absl::Status status = absl::FailedPreconditionError(absl::StrCat(rule, ": ", description));
  status.SetPayload(kRulePayload, absl::Cord(rule));
  return status;
}

std::string RuleOf(const absl::Status& status) {
  auto payload = status.GetPayload(kRulePayload);
  return payload ? std::string(*payload) : std::string();
}

}  // namespace invoicehub::domain
