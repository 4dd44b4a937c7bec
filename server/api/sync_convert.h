#pragma once
// Bill-pay accounts and outbox rows <-> their protos.

#include "invoicehub/v1/sync_service.pb.h"
#include "server/app/billpay_accounts.h"
#include "storage/sync_event_store.h"

namespace invoicehub::api {

// Never the key or the webhook secret (BP-6).
void ToProto(const app::BillPayAccount& account, v1::BillPayAccount* out);
void ToProto(const storage::SyncEvent& event, v1::SyncEvent* out);

}  // namespace invoicehub::api
