#include "server/domain/text_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::domain {

void CheckText(FieldErrors& errors, const std::string& field, absl::string_view value,
               size_t max_chars, Presence presence) {
  size_t chars = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if ((c & 0xC0) != 0x80) ++chars;  // count UTF-8 lead bytes, not bytes
    // C0 controls, DEL, and C1 controls (U+0080..U+009F, encoded C2 80..9F).
    bool c1 = c == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7F || c1) {
      errors.Add(field, "must not contain control characters");
      return;
    }
  }
  if (absl::StripAsciiWhitespace(value).empty()) {
    if (presence == Presence::kRequired) errors.Add(field, "is required");
    return;
  }
  if (chars > max_chars) errors.Add(field, absl::StrCat("must be at most ", max_chars, " characters"));
}

}  // namespace invoicehub::domain
