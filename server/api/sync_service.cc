#include "server/api/sync_service.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/api/page_token.h"
#include "server/api/proto_convert.h"
#include "server/api/sync_convert.h"
#include "server/domain/status_macros.h"
#include "storage/billpay_inbox.h"
#include "storage/company_repository.h"
#include "server/app/sync_dispatch.h"
#include "storage/sync_event_store.h"

namespace invoicehub::api {
namespace {

using domain::Permission;
using domain::Principal;

// BP-6 needs the master key to seal and open the account's secrets.
absl::StatusOr<const app::SecretBox*> MasterKeyBox(app::BillPayGateways& billpay) {
  if (!billpay.box()) {
    return absl::FailedPreconditionError(
        "this server has no master key (INVOICEHUB_MASTER_KEY), so it cannot keep bill-pay secrets");
  }
  return &*billpay.box();
}

std::optional<domain::SyncState> SyncStateFilter(v1::SyncEventState state) {
  switch (state) {
    case v1::SYNC_EVENT_STATE_PENDING: return domain::SyncState::kPending;
    case v1::SYNC_EVENT_STATE_SYNCED: return domain::SyncState::kSynced;
    case v1::SYNC_EVENT_STATE_FAILED: return domain::SyncState::kFailed;
    default: return std::nullopt;
  }
}

std::optional<storage::InboxState> InboxStateFilter(v1::InboxEventState state) {
  switch (state) {
    case v1::INBOX_EVENT_STATE_PENDING: return storage::InboxState::kPending;
    case v1::INBOX_EVENT_STATE_APPLIED: return storage::InboxState::kApplied;
    case v1::INBOX_EVENT_STATE_UNMATCHED: return storage::InboxState::kUnmatched;
    default: return std::nullopt;
  }
}

void ToProto(const storage::InboxEvent& event, v1::InboxEvent* out) {
  out->set_event_id(event.event_id);
  out->set_event_type(event.event_type);
  out->set_billpay_payment_id(event.billpay_payment_id);
  switch (event.state) {
    case storage::InboxState::kPending: out->set_state(v1::INBOX_EVENT_STATE_PENDING); break;
    case storage::InboxState::kApplied: out->set_state(v1::INBOX_EVENT_STATE_APPLIED); break;
    case storage::InboxState::kUnmatched: out->set_state(v1::INBOX_EVENT_STATE_UNMATCHED); break;
  }
  out->set_note(event.note);
  *out->mutable_received_time() = ToTimestamp(event.received_time);
}

// Inbox events have text ids, so their page token is "<micros>/<event id>",
// base64url-encoded to stay opaque.
std::string MakeInboxPageToken(const storage::InboxEvent& last) {
  return absl::WebSafeBase64Escape(absl::StrCat(absl::ToUnixMicros(last.received_time), "/", last.event_id));
}

storage::InboxCursor ParseInboxPageToken(domain::FieldErrors& errors, const std::string& token) {
  storage::InboxCursor cursor;
  if (token.empty()) return cursor;
  std::string text;
  std::vector<std::string> parts;
  if (absl::WebSafeBase64Unescape(token, &text)) parts = absl::StrSplit(text, absl::MaxSplits('/', 1));
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.received_micros)) {
    errors.Add("page_token", "is not a token this list returned");
    return {};
  }
  cursor.event_id = parts[1];
  return cursor;
}

}  // namespace

grpc::Status SyncService::SetBillPayAccount(grpc::ServerContext* context, const v1::SetBillPayAccountRequest* request,
                                            v1::BillPayAccount* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    ASSIGN_OR_RETURN(const app::SecretBox* box, MasterKeyBox(deps_.billpay));
    app::BillPayAccountInput input{request->base_url(), request->api_key(), request->webhook_secret(),
                                   request->enabled(), request->version()};
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      RETURN_IF_ERROR(storage::FindCompany(scope.tx(), company_id).status());
      ASSIGN_OR_RETURN(app::BillPayAccountChange change,
                       app::SetBillPayAccount(scope.tx(), *box, company_id, input, scope.now()));
      ToProto(change.after, response);
      v1::BillPayAccount before;
      if (change.before) ToProto(*change.before, &before);
      scope.Audit(company_id, "billpay_account", company_id, change.before ? &before : nullptr, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status SyncService::GetBillPayAccount(grpc::ServerContext* context, const v1::GetBillPayAccountRequest* request,
                                            v1::BillPayAccount* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    return RunQuery(deps_, [&](storage::Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(app::BillPayAccount account, app::DescribeBillPayAccount(tx, company_id));
      ToProto(account, response);
      return absl::OkStatus();
    });
  });
}

grpc::Status SyncService::ListSyncEvents(grpc::ServerContext* context, const v1::ListSyncEventsRequest* request,
                                         v1::ListSyncEventsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    domain::FieldErrors errors;
    int page_size = ParsePageSize(errors, request->page_size());
    storage::ListCursor cursor = ParsePageToken(errors, request->page_token());
    storage::SyncEventFilter filter{SyncStateFilter(request->state()), 0};
    if (!request->invoice_id().empty()) filter.invoice_id = ParseId(errors, "invoice_id", request->invoice_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      std::vector<storage::SyncEvent> events =
          storage::ListSyncEvents(tx, company_id, filter, cursor.id, page_size + 1);
      FillPage(events, page_size, [&](const storage::SyncEvent& event) { ToProto(event, response->add_events()); },
               response->mutable_next_page_token());
      return absl::OkStatus();
    });
  });
}

grpc::Status SyncService::RetrySyncEvent(grpc::ServerContext* context, const v1::RetrySyncEventRequest* request,
                                         v1::SyncEvent* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    domain::FieldErrors errors;
    int64_t event_id = ParseId(errors, "sync_event_id", request->sync_event_id());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunMutation(deps_, principal, *request, request->request_id(), response, [&](MutationScope& scope) {
      ASSIGN_OR_RETURN(app::Change<storage::SyncEvent> change,
                       app::RetryParkedSyncEvent(scope.tx(), company_id, event_id, scope.now()));
      v1::SyncEvent before;
      ToProto(change.before, &before);
      ToProto(change.after, response);
      scope.Audit(company_id, "sync_event", event_id, &before, *response);
      return absl::OkStatus();
    });
  });
}

grpc::Status SyncService::ListInboxEvents(grpc::ServerContext* context, const v1::ListInboxEventsRequest* request,
                                          v1::ListInboxEventsResponse* response) {
  return HandleCall(deps_, context, *request, Permission::kManageCompany, [&](const Principal& principal) {
    ASSIGN_OR_RETURN(int64_t company_id, TargetCompany(principal, "company_id", request->company_id()));
    domain::FieldErrors errors;
    int page_size = ParsePageSize(errors, request->page_size());
    storage::InboxCursor cursor = ParseInboxPageToken(errors, request->page_token());
    RETURN_IF_ERROR(errors.ToStatus());
    return RunQuery(deps_, [&](storage::Transaction& tx) {
      std::vector<storage::InboxEvent> events = storage::ListInboxEvents(
          tx, company_id, {InboxStateFilter(request->state())}, cursor, page_size + 1);
      bool more = events.size() > static_cast<size_t>(page_size);
      if (more) events.pop_back();
      for (const storage::InboxEvent& event : events) ToProto(event, response->add_events());
      if (more) response->set_next_page_token(MakeInboxPageToken(events.back()));
      return absl::OkStatus();
    });
  });
}

}  // namespace invoicehub::api
