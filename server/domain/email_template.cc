#include "server/domain/email_template.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace invoicehub::domain {
namespace {

constexpr absl::string_view kOpen = "{{";
constexpr absl::string_view kClose = "}}";

// How much of a placeholder an error message quotes: a 9 KB "name" must not
// become a 9 KB gRPC trailer.
constexpr size_t kMaxQuotedBytes = 40;

// One `{{...}}` of a template, or an unclosed `{{` running to the end.
struct Placeholder {
  size_t begin = 0;        // offset of "{{"
  size_t end = 0;          // one past "}}" (text.size() when unclosed)
  absl::string_view name;   // between the braces, surrounding whitespace removed
  bool closed = false;
};

// The first placeholder at or after `from`. Validation and rendering both scan
// with this, so they always agree on what a placeholder is.
std::optional<Placeholder> NextPlaceholder(absl::string_view text, size_t from) {
  size_t open = text.find(kOpen, from);
  if (open == absl::string_view::npos) return std::nullopt;
  size_t close = text.find(kClose, open + kOpen.size());
  if (close == absl::string_view::npos) return Placeholder{open, text.size(), {}, false};
  absl::string_view inside = text.substr(open + kOpen.size(), close - open - kOpen.size());
  return Placeholder{open, close + kClose.size(), absl::StripAsciiWhitespace(inside), true};
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
// (text_rules counts UTF-8 characters but does not validate them.)
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t trail;
    uint32_t code_point;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      trail = 1, code_point = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      trail = 2, code_point = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      trail = 3, code_point = c & 0x07, min = 0x10000;
    } else {
      return false;  // a continuation byte without a lead, or 0xF8..0xFF
    }
    if (s.size() - i - 1 < trail) return false;
    for (size_t k = 1; k <= trail; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (cc & 0x3F);
    }
    if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
      return false;
    i += trail + 1;
  }
  return true;
}

// The same set CheckText (text_rules) refuses: C0 controls, DEL and the C1
// controls U+0080..U+009F (C2 80..C2 9F in UTF-8). `s` is valid UTF-8, so the
// byte after a C2 lead is a continuation byte.
bool IsControlAt(absl::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F;
  return c < 0x20 || c == 0x7F || c1;
}

// A body may break lines ("\n" or "\r\n") and indent with tabs; a subject may
// not. A lone "\r" is refused: mail software reads it differently.
bool HasForbiddenControl(absl::string_view s, bool multi_line) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (multi_line) {
      if (s[i] == '\n' || s[i] == '\t') continue;
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    }
    if (IsControlAt(s, i)) return true;
  }
  return false;
}

// `s` for an error message: at most kMaxQuotedBytes (cut on a character
// boundary, "..." appended), control characters shown as "?". Error messages
// end up in logs and gRPC trailers.
std::string Quote(absl::string_view s) {
  bool cut = s.size() > kMaxQuotedBytes;
  if (cut) {
    size_t n = kMaxQuotedBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n);
  }
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsControlAt(s, i)) {
      out += s[i];
    } else {
      out += '?';
      if (static_cast<unsigned char>(s[i]) == 0xC2) ++i;  // both bytes of a C1 control
    }
  }
  if (cut) out += "...";
  return out;
}

// "{{invoice_number}}, {{customer_name}}, ..."
const std::string& KnownPlaceholderList() {
  static const std::string* const list = [] {
    auto* s = new std::string;
    for (absl::string_view name : kEmailPlaceholders) absl::StrAppend(s, s->empty() ? "" : ", ", "{{", name, "}}");
    return s;
  }();
  return *list;
}

}  // namespace

bool IsKnownEmailPlaceholder(absl::string_view name) {
  return std::find(kEmailPlaceholders.begin(), kEmailPlaceholders.end(), name) != kEmailPlaceholders.end();
}

void ValidateEmailTemplate(FieldErrors& errors, const std::string& field, const std::string& text,
                           size_t max_length, bool multi_line) {
  // An oversized text is not scanned further: its problems could be many and
  // the caller must shorten it anyway.
  if (text.size() > max_length) {
    errors.Add(field, absl::StrCat("must be at most ", max_length, " bytes of UTF-8 (it has ", text.size(), ")"));
    return;
  }
  // Without valid UTF-8 no part of the text can be quoted back safely.
  if (!IsValidUtf8(text)) {
    errors.Add(field, "must be valid UTF-8");
    return;
  }
  if (HasForbiddenControl(text, multi_line)) {
    errors.Add(field, multi_line ? "must not contain control characters other than line breaks (\\n or \\r\\n) "
                                   "and tabs"
                                 : "must be a single line without tabs or other control characters");
  }

  bool empty_reported = false;
  std::set<absl::string_view> unknown_reported;
  size_t pos = 0;
  while (std::optional<Placeholder> p = NextPlaceholder(text, pos)) {
    if (!p->closed) {
      absl::string_view rest = absl::string_view(text).substr(p->begin);
      rest = rest.substr(0, std::min(rest.find_first_of("\r\n"), rest.size()));  // its line
      errors.Add(field, absl::StrCat("unclosed placeholder: \"", Quote(rest), "\" has no closing }}"));
    } else if (p->name.empty()) {
      if (!empty_reported)
        errors.Add(field, absl::StrCat("empty placeholder {{}}; known placeholders: ", KnownPlaceholderList()));
      empty_reported = true;
    } else if (!IsKnownEmailPlaceholder(p->name) && unknown_reported.insert(p->name).second) {
      errors.Add(field, absl::StrCat("unknown placeholder {{", Quote(p->name),
                                     "}}; known placeholders: ", KnownPlaceholderList()));
    }
    pos = p->end;
  }
}

std::string RenderEmailTemplate(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (std::optional<Placeholder> p = NextPlaceholder(text, pos)) {
    out.append(text, pos, p->begin - pos);
    if (p->closed && IsKnownEmailPlaceholder(p->name)) {
      auto it = values.find(std::string(p->name));
      if (it != values.end()) out += it->second;  // verbatim, and not scanned again
    } else {
      out.append(text, p->begin, p->end - p->begin);  // unknown, empty or unclosed: as written
    }
    pos = p->end;
  }
  out.append(text, pos);
  return out;
}

std::string DefaultEmailBody(bool has_pay_now_url) {
  std::string body = kDefaultEmailBody;
  if (!has_pay_now_url) body.erase(body.find(kDefaultPayNowLines), std::string(kDefaultPayNowLines).size());
  return body;
}

}  // namespace invoicehub::domain
