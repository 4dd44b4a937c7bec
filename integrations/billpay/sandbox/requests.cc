#include "integrations/billpay/sandbox/requests.h"

#include <openssl/sha.h>

#include <limits>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "integrations/billpay/sandbox/model.h"

namespace invoicehub::billpay::sandbox {
namespace {

constexpr size_t kMaxTextLength = 1000;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 0x0f];
  }
  return hex;
}

// Reads the fields of one JSON object and collects every problem.
class FieldReader {
 public:
  explicit FieldReader(std::string_view body) {
    object_ = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (object_.is_discarded() || !object_.is_object()) {
      problems_.push_back("the body must be a JSON object");
      object_ = Json::object();
    }
  }

  bool Has(const char* name) const { return object_.contains(name) && !object_[name].is_null(); }
  const Json& Raw(const char* name) const { return object_[name]; }

  std::optional<std::string> OptionalText(const char* name) {
    if (!Has(name)) return std::nullopt;
    const Json& value = object_[name];
    if (!value.is_string()) return Problem(name, "must be a string"), std::nullopt;
    std::string text = value.get<std::string>();
    if (text.size() > kMaxTextLength) return Problem(name, "is too long"), std::nullopt;
    return text;
  }

  std::string Text(const char* name) {
    if (!Has(name)) return Problem(name, "is required"), "";
    std::optional<std::string> text = OptionalText(name);
    if (text && text->empty()) Problem(name, "must not be empty");
    return text.value_or("");
  }

  std::optional<int64_t> OptionalAmount(const char* name, int64_t minimum) {
    if (!Has(name)) return std::nullopt;
    const Json& value = object_[name];
    if (!value.is_number_integer()) return Problem(name, "must be an integer (minor units)"), std::nullopt;
    if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()})
      return Problem(name, "is too large"), std::nullopt;
    int64_t amount = value.get<int64_t>();
    if (amount < minimum) return Problem(name, absl::StrCat("must be at least ", minimum)), std::nullopt;
    return amount;
  }

  int64_t Amount(const char* name, int64_t minimum) {
    if (!Has(name)) return Problem(name, "is required"), 0;
    return OptionalAmount(name, minimum).value_or(0);
  }

  std::optional<std::string> OptionalDate(const char* name) {
    std::optional<std::string> text = OptionalText(name);
    absl::CivilDay day;
    if (text && !(absl::ParseCivilTime(*text, &day) && absl::FormatCivilTime(day) == *text && text->size() == 10)) {
      Problem(name, "must be a date YYYY-MM-DD");
      return std::nullopt;
    }
    return text;
  }

  std::string Date(const char* name) {
    if (!Has(name)) return Problem(name, "is required"), "";
    return OptionalDate(name).value_or("");
  }

  std::string Currency(const char* name) {
    std::string code = Text(name);
    bool valid = code.size() == 3;
    for (char c : code) valid = valid && c >= 'A' && c <= 'Z';
    if (!code.empty() && !valid) Problem(name, "must be an ISO-4217 code such as CHF");
    return code;
  }

  std::string Method(const char* name) {
    std::string method = OptionalText(name).value_or("card");
    if (method != "card" && method != "ach") Problem(name, "must be card or ach");
    return method;
  }

  // The SHA-256 of the decoded PDF; the bytes themselves are not kept.
  std::optional<std::string> OptionalPdfDigest(const char* name) {
    std::optional<std::string> encoded = OptionalBase64(name);
    if (!encoded) return std::nullopt;
    std::string pdf;
    if (!absl::Base64Unescape(*encoded, &pdf)) return Problem(name, "must be base64"), std::nullopt;
    return pdf.empty() ? "" : Sha256Hex(pdf);
  }

  void Problem(std::string_view name, std::string_view message) {
    problems_.push_back(absl::StrCat(std::string(name), ": ", std::string(message)));
  }

  absl::Status Finish() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

 private:
  // PDFs are far longer than other texts: no length cap here (the server's
  // body limit caps them).
  std::optional<std::string> OptionalBase64(const char* name) {
    if (!Has(name)) return std::nullopt;
    if (!object_[name].is_string()) return Problem(name, "must be a string"), std::nullopt;
    return object_[name].get<std::string>();
  }

  Json object_;
  std::vector<std::string> problems_;
};

template <typename T>
absl::StatusOr<T> Finished(const FieldReader& reader, T value) {
  if (absl::Status status = reader.Finish(); !status.ok()) return status;
  return value;
}

}  // namespace

absl::StatusOr<NewAccount> ParseNewAccount(std::string_view body) {
  FieldReader reader(body);
  NewAccount account{.name = reader.OptionalText("name").value_or(""),
                     .webhook_url = reader.OptionalText("webhook_url").value_or("")};
  return Finished(reader, account);
}

absl::StatusOr<std::string> ParseWebhookUrl(std::string_view body) {
  FieldReader reader(body);
  std::string url = reader.Text("webhook_url");
  return Finished(reader, url);
}

absl::StatusOr<NewCustomer> ParseNewCustomer(std::string_view body) {
  FieldReader reader(body);
  NewCustomer customer{.external_id = reader.Text("external_id"),
                       .name = reader.Text("name"),
                       .email = reader.OptionalText("email").value_or("")};
  return Finished(reader, customer);
}

absl::StatusOr<NewInvoice> ParseNewInvoice(std::string_view body) {
  FieldReader reader(body);
  NewInvoice invoice{.customer_id = reader.Text("customer_id"),
                     .external_id = reader.Text("external_id"),
                     .number = reader.Text("number"),
                     .invoice_date = reader.Date("invoice_date"),
                     .due_date = reader.Date("due_date"),
                     .currency = reader.Currency("currency"),
                     .amount = reader.Amount("amount", 0),
                     .outstanding = reader.Amount("outstanding", 0),
                     .pdf_sha256 = reader.OptionalPdfDigest("pdf_base64").value_or("")};
  if (invoice.outstanding > invoice.amount) reader.Problem("outstanding", "must not exceed amount");
  return Finished(reader, invoice);
}

absl::StatusOr<InvoiceChanges> ParseInvoiceChanges(std::string_view body) {
  FieldReader reader(body);
  InvoiceChanges changes{.number = reader.OptionalText("number"),
                         .invoice_date = reader.OptionalDate("invoice_date"),
                         .due_date = reader.OptionalDate("due_date"),
                         .amount = reader.OptionalAmount("amount", 0),
                         .outstanding = reader.OptionalAmount("outstanding", 0),
                         .pdf_sha256 = reader.OptionalPdfDigest("pdf_base64")};
  if (changes.number && changes.number->empty()) reader.Problem("number", "must not be empty");
  return Finished(reader, changes);
}

absl::StatusOr<NewApiPayment> ParseNewApiPayment(std::string_view body) {
  FieldReader reader(body);
  NewApiPayment payment{.customer_id = reader.Text("customer_id"),
                        .invoice_id = reader.Text("invoice_id"),
                        .currency = reader.Currency("currency"),
                        .external_id = reader.OptionalText("external_id").value_or(""),
                        .method = reader.Method("method"),
                        .amount = reader.Amount("amount", 1)};
  return Finished(reader, payment);
}

absl::StatusOr<PayRequest> ParsePayRequest(std::string_view body) {
  FieldReader reader(body);
  PayRequest request{.items = {}, .method = reader.Method("method")};
  if (!reader.Has("items") || !reader.Raw("items").is_array() || reader.Raw("items").empty()) {
    reader.Problem("items", "must be a non-empty array");
    return Finished(reader, request);
  }
  const Json& items = reader.Raw("items");
  for (size_t i = 0; i < items.size(); ++i) {
    FieldReader item(items[i].is_object() ? items[i].dump() : "");
    std::string name = absl::StrCat("items[", i, "]");
    std::string url = item.Text("pay_now_url");
    std::optional<int64_t> amount = item.OptionalAmount("amount", 1);
    if (absl::Status status = item.Finish(); !status.ok()) reader.Problem(name, std::string(status.message()));
    if (!url.empty() && PayTokenOf(url).empty()) reader.Problem(name, "pay_now_url: is not a Pay Now URL");
    request.items.push_back({.pay_token = PayTokenOf(url), .amount = amount});
  }
  return Finished(reader, request);
}

absl::StatusOr<ReverseRequest> ParseReverseRequest(std::string_view body) {
  FieldReader reader(body);
  ReverseRequest request{.payment_id = reader.Text("payment_id"), .reason = reader.Text("reason")};
  if (!request.reason.empty() && request.reason != "refund" && request.reason != "chargeback")
    reader.Problem("reason", "must be refund or chargeback");
  return Finished(reader, request);
}

std::string PayTokenOf(std::string_view pay_now_url) {
  size_t slash = pay_now_url.rfind('/');
  std::string_view token = slash == std::string_view::npos ? pay_now_url : pay_now_url.substr(slash + 1);
  size_t query = token.find_first_of("?#");
  if (query != std::string_view::npos) token = token.substr(0, query);
  return std::string(token);
}

}  // namespace invoicehub::billpay::sandbox
