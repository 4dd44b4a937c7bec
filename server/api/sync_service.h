#pragma once

#include "invoicehub/v1/sync_service.grpc.pb.h"
#include "server/api/call_handling.h"

namespace invoicehub::api {

class SyncService final : public v1::SyncService::Service {
 public:
  explicit SyncService(ApiDeps deps) : deps_(deps) {}

  grpc::Status SetBillPayAccount(grpc::ServerContext* context, const v1::SetBillPayAccountRequest* request,
                                 v1::BillPayAccount* response) override;
  grpc::Status GetBillPayAccount(grpc::ServerContext* context, const v1::GetBillPayAccountRequest* request,
                                 v1::BillPayAccount* response) override;
  grpc::Status ListSyncEvents(grpc::ServerContext* context, const v1::ListSyncEventsRequest* request,
                              v1::ListSyncEventsResponse* response) override;
  grpc::Status RetrySyncEvent(grpc::ServerContext* context, const v1::RetrySyncEventRequest* request,
                              v1::SyncEvent* response) override;
  grpc::Status ListInboxEvents(grpc::ServerContext* context, const v1::ListInboxEventsRequest* request,
                               v1::ListInboxEventsResponse* response) override;

 private:
  ApiDeps deps_;
};

}  // namespace invoicehub::api
