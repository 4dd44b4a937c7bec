#pragma once
// Collects every problem of a request, so one INVALID_ARGUMENT names them all
// instead of making the caller fix one field per round trip.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace invoicehub::domain {

struct FieldViolation {
  std::string field;  // path in the request, e.g. "lines[2].quantity"
  std::string description;
  bool operator==(const FieldViolation&) const = default;
};

class FieldErrors {
 public:
  void Add(std::string field, std::string description) {
    violations_.push_back({std::move(field), std::move(description)});
  }
  bool empty() const { return violations_.empty(); }
  const std::vector<FieldViolation>& violations() const { return violations_; }

  // OK when nothing was added; else INVALID_ARGUMENT whose message lists every
  // violation after `summary` and whose payload carries them for the API's
  // BadRequest detail.
  absl::Status ToStatus(const std::string& summary = "invalid request") const;

 private:
  std::vector<FieldViolation> violations_;
};

// A one-field INVALID_ARGUMENT.
absl::Status InvalidField(std::string field, std::string description);

// The violations carried by a status made by FieldErrors (empty otherwise).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// FAILED_PRECONDITION naming the DOMAIN.md rule that refused the call.
absl::Status RuleViolation(const std::string& rule, const std::string& description);

// The rule id carried by a status made by RuleViolation (empty otherwise).
std::string RuleOf(const absl::Status& status);

}  // namespace invoicehub::domain
