#include "server/http/billpay_webhook.h"

#include <optional>

#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "integrations/billpay/billpay_transformer.h"
#include "integrations/billpay/webhook_signature.h"
#include "server/app/billpay_import.h"
#include "storage/billpay_inbox.h"

namespace invoicehub::http {
namespace {

// Our API's ids are decimal; anything else names no company.
std::optional<int64_t> ParseCompanyId(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  int64_t id = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &id) || id <= 0) return std::nullopt;
  return id;
}

WebhookAnswer Answer(int status, const std::string& json) { return WebhookAnswer{status, json}; }

// The same answer for every reason a delivery is not believed (BP-6).
WebhookAnswer Unauthorized() { return Answer(401, R"({"error":"unauthorized"})"); }

}  // namespace

WebhookAnswer BillPayWebhook::Receive(std::string_view company_text, std::string_view signature,
                                      const std::string& body) {
  if (body.size() > kMaxWebhookBodyBytes) {
    spdlog::warn("billpay webhook refused: body of {} bytes is over {}", body.size(), kMaxWebhookBodyBytes);
    return Answer(413, R"({"error":"payload_too_large"})");
  }
  std::optional<int64_t> company_id = ParseCompanyId(company_text);
  if (!company_id) {
    spdlog::warn("billpay webhook refused: the path names no company id ({} characters)", company_text.size());
    return Unauthorized();
  }
  absl::StatusOr<std::string> secret = gateways_.WebhookSecret(*company_id);
  if (absl::IsNotFound(secret.status()) || absl::IsFailedPrecondition(secret.status())) {
    spdlog::warn("billpay webhook refused: company={} has no usable bill-pay account: {}", *company_id,
                 std::string(secret.status().message()));
    return Unauthorized();
  }
  if (!secret.ok()) {
    // The database is away: bill-pay delivers it again later.
    spdlog::error("billpay webhook company={} not checked: {}", *company_id, std::string(secret.status().message()));
    return Answer(503, R"({"error":"unavailable"})");
  }
  const absl::Time received = clock_.Now();
  billpay::SignatureCheck check = billpay::VerifyWebhook(*secret, signature, body, absl::ToUnixSeconds(received));
  if (check != billpay::SignatureCheck::kValid) {
    spdlog::warn("billpay webhook refused: company={} signature {}", *company_id, billpay::SignatureCheckName(check));
    return Unauthorized();
  }
  absl::StatusOr<billpay::WebhookEvent> event = billpay::ParseWebhookEvent(body);
  if (event.ok() && event->id.empty()) event = absl::InvalidArgumentError("webhook event: no id");
  if (!event.ok()) {
    spdlog::warn("billpay webhook refused: company={} unreadable event: {}", *company_id,
                 std::string(event.status().message()));
    return Answer(400, R"({"error":"invalid_request"})");
  }

  // Stored and committed before anything acts on it (BP-12).
  storage::InboxEvent row;
  row.event_id = event->id;
  row.event_type = event->type;
  row.billpay_payment_id = event->payment.id;
  row.body = body;
  if (!app::IsAppliedWebhookType(event->type)) {
    row.state = storage::InboxState::kApplied;
    row.note = "ignored type";
  }
  bool stored = false;
  absl::Status status = gateways_.database().InTransaction([&](storage::Transaction& tx) {
    stored = storage::InsertInboxEvent(tx, *company_id, row, received);
    return absl::OkStatus();
  });
  if (!status.ok()) {
    spdlog::error("billpay webhook company={} event={} not stored: {}", *company_id, event->id,
                  std::string(status.message()));
    return Answer(503, R"({"error":"unavailable"})");
  }
  if (!stored) {
    spdlog::info("billpay webhook company={} event={} type={} duplicate", *company_id, event->id, event->type);
    return Answer(200, R"({"status":"duplicate"})");
  }
  if (row.state == storage::InboxState::kPending) {
    absl::StatusOr<app::BillPayApplyOutcome> outcome =
        app::ApplyInboxEvent(gateways_.database(), *company_id, event->id, clock_.Now());
    if (outcome.ok())
      spdlog::info("billpay webhook company={} event={} type={} payment={} {} {}", *company_id, event->id,
                   event->type, event->payment.id, app::BillPayApplyResultName(outcome->result), outcome->note);
    else  // stored: the import applies it later
      spdlog::warn("billpay webhook company={} event={} stored, apply failed: {}", *company_id, event->id,
                   std::string(outcome.status().message()));
  } else {
    spdlog::info("billpay webhook company={} event={} type={} ignored type", *company_id, event->id, event->type);
  }
  return Answer(200, R"({"status":"stored"})");
}

}  // namespace invoicehub::http
