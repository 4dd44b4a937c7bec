#include "integrations/billpay/sandbox/pay_page.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace invoicehub::billpay::sandbox {
namespace {

// Invoice numbers come from the caller: never trust them as HTML.
std::string EscapeHtml(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

}  // namespace

std::string FormatMinorUnits(int64_t minor_units) {
  // Through uint64 so that the most negative int64 has a magnitude too.
  uint64_t magnitude = minor_units < 0 ? 0 - static_cast<uint64_t>(minor_units) : static_cast<uint64_t>(minor_units);
  uint64_t cents = magnitude % 100;
  return absl::StrCat(minor_units < 0 ? "-" : "", magnitude / 100, ".", cents < 10 ? "0" : "", cents);
}

std::string RenderPayPage(const Invoice& invoice, const std::string& notice) {
  std::string number = EscapeHtml(invoice.number);
  std::string due = absl::StrCat(FormatMinorUnits(invoice.outstanding), " ", EscapeHtml(invoice.currency));
  std::string action = invoice.outstanding > 0
                           ? absl::StrCat(
                                 "<form method=\"post\"><select name=\"method\"><option>card</option>"
                                 "<option>ach</option></select> <button type=\"submit\">Pay ",
                                 due, "</button></form>")
                           : "<p>Nothing is due on this invoice.</p>";
  return absl::StrCat("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Invoice ", number,
                      "</title></head>\n<body>\n<h1>Invoice ", number, "</h1>\n",
                      notice.empty() ? "" : absl::StrCat("<p><strong>", EscapeHtml(notice), "</strong></p>\n"),
                      "<p>Amount due: <span id=\"amount-due\">", due, "</span></p>\n<p>Invoice date ",
                      EscapeHtml(invoice.invoice_date), ", due ", EscapeHtml(invoice.due_date), "</p>\n", action,
                      "\n<p><small>Bill-pay sandbox: no real money moves.</small></p>\n</body></html>\n");
}

}  // namespace invoicehub::billpay::sandbox
