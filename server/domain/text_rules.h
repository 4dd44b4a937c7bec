#pragma once
// Shared checks for free-text fields: length in characters, no control
// characters (they break PDFs, CSV exports and log lines), and required-ness.

#include <string>
#include "absl/strings/string_view.h"

#include "server/domain/field_errors.h"

namespace invoicehub::domain {

enum class Presence { kRequired, kOptional };

// Adds a violation for `field` when `value` is missing (if required), longer
// than `max_chars` UTF-8 characters, or contains a control character.
void CheckText(FieldErrors& errors, const std::string& field, absl::string_view value,
               size_t max_chars, Presence presence);

}  // namespace invoicehub::domain
