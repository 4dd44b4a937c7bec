#pragma once
// The envelope every RPC runs in: authenticate, check the role, run the
// body, turn its status into a gRPC status, log one line. Mutations also run
// in one transaction that records their first answer for request_id retries
// and their audit entries.

#include <functional>
#include <string>

#include <google/protobuf/message.h>
#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "server/api/authenticator.h"
#include "server/api/proto_convert.h"
#include "server/app/change.h"
#include "server/domain/clock.h"
#include "server/domain/principal.h"
#include "storage/database.h"

#include "server/app/billpay_gateways.h"

namespace invoicehub::api {

struct ApiDeps {
  storage::Database& database;
  const domain::Clock& clock;
  const Authenticator& authenticator;
  // Each company's bill-pay gateway (BP-6); set by main.cc.
  app::BillPayGateways& billpay;
};

grpc::Status HandleCall(const ApiDeps& deps, grpc::ServerContext* context, const google::protobuf::Message& request,
                        domain::Permission permission,
                        const std::function<absl::Status(const domain::Principal&)>& body);

// What a mutation body may use: its transaction, the caller, one "now".
class MutationScope {
 public:
  MutationScope(storage::Transaction& tx, const domain::Principal& principal, absl::Time now, std::string action,
                std::string request_id)
      : tx_(tx), principal_(principal), now_(now), action_(std::move(action)), request_id_(std::move(request_id)) {}

  storage::Transaction& tx() { return tx_; }
  const domain::Principal& principal() const { return principal_; }
  absl::Time now() const { return now_; }

  // Records the change of one entity; `before` is null for a creation. A
  // change that changed nothing (revoking a revoked key) is not recorded.
  void Audit(int64_t company_id, const std::string& entity_type, int64_t entity_id,
             const google::protobuf::Message* before, const google::protobuf::Message& after);

  // Audits the change of one entity and fills `after` with the entity as it
  // now is: the response of an update, or a scratch message for an entity
  // the call changed on the way.
  template <typename Entity, typename Proto>
  void AuditChange(int64_t company_id, const std::string& entity_type, int64_t entity_id,
                   const app::Change<Entity>& change, Proto* after) {
    Proto before;
    ToProto(change.before, &before);
    ToProto(change.after, after);
    Audit(company_id, entity_type, entity_id, &before, *after);
  }

 private:
  storage::Transaction& tx_;
  const domain::Principal& principal_;
  absl::Time now_;
  std::string action_;
  std::string request_id_;
};

// Clears what must never be stored (API key secrets) from the copy of a
// response kept for request_id retries.
using RedactForStorage = std::function<void(google::protobuf::Message& stored_copy)>;

// Runs `body` in one transaction. With a request_id, a retry of the same
// request gets the stored first `response` (less what `redact` removed) and
// `body` does not run again.
absl::Status RunMutation(const ApiDeps& deps, const domain::Principal& principal,
                         const google::protobuf::Message& request, const std::string& request_id,
                         google::protobuf::Message* response,
                         const std::function<absl::Status(MutationScope&)>& body,
                         const RedactForStorage& redact = nullptr);

// The company a call acts on. A company key acts on its own company (an
// empty id means that one); naming any other answers NOT_FOUND, exactly as
// for a company that does not exist. The operator must name one.
absl::StatusOr<int64_t> TargetCompany(const domain::Principal& principal, const std::string& field,
                                      const std::string& id);

// Runs a read-only `body` in one transaction.
absl::Status RunQuery(const ApiDeps& deps, const std::function<absl::Status(storage::Transaction&)>& body);

}  // namespace invoicehub::api
