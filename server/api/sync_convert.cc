#include "server/api/sync_convert.h"

#include "absl/strings/str_cat.h"
#include "server/api/proto_convert.h"

namespace invoicehub::api {

void ToProto(const app::BillPayAccount& account, v1::BillPayAccount* out) {
  out->set_company_id(FormatId(account.company_id));
  out->set_base_url(account.base_url);
  out->set_api_key_hint(account.api_key_hint);
  out->set_enabled(account.enabled);
  out->set_webhook_path(absl::StrCat("/webhooks/billpay/", FormatId(account.company_id)));
  out->set_version(account.version);
  *out->mutable_create_time() = ToTimestamp(account.create_time);
  *out->mutable_update_time() = ToTimestamp(account.update_time);
}

void ToProto(const storage::SyncEvent& event, v1::SyncEvent* out) {
  out->set_id(FormatId(event.id));
  out->set_action(domain::SyncActionName(event.action));
  if (event.invoice_id != 0) out->set_invoice_id(FormatId(event.invoice_id));
  if (event.payment_id != 0) out->set_payment_id(FormatId(event.payment_id));
  out->set_amount_minor(event.amount_minor);
  switch (event.state) {
    case domain::SyncState::kPending: out->set_state(v1::SYNC_EVENT_STATE_PENDING); break;
    case domain::SyncState::kSynced: out->set_state(v1::SYNC_EVENT_STATE_SYNCED); break;
    case domain::SyncState::kFailed: out->set_state(v1::SYNC_EVENT_STATE_FAILED); break;
  }
  out->set_attempts(event.attempts);
  *out->mutable_next_attempt_time() = ToTimestamp(event.next_attempt_time);
  out->set_last_error(event.last_error);
  out->set_result(event.result);
  *out->mutable_create_time() = ToTimestamp(event.create_time);
  *out->mutable_update_time() = ToTimestamp(event.update_time);
}

}  // namespace invoicehub::api
