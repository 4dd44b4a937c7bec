#include "server/api/call_handling.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/app/api_key_secrets.h"
#include "server/api/status_mapping.h"
#include "server/domain/field_errors.h"
#include "server/domain/status_macros.h"
#include "storage/audit_log.h"
#include "storage/idempotency_store.h"

namespace invoicehub::api {
namespace {

constexpr size_t kMaxRequestIdLength = 128;

// "invoicehub.v1.CreateInvoiceRequest" -> "CreateInvoice": the RPC's name.
std::string ActionOf(const google::protobuf::Message& request) {
  return std::string(absl::StripSuffix(request.GetDescriptor()->name(), "Request"));
}

// Same request, same bytes: deterministic serialization fixes map order.
std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The request's request_id field, if it has one, for the log line.
std::string RequestIdOf(const google::protobuf::Message& request) {
  const google::protobuf::FieldDescriptor* field = request.GetDescriptor()->FindFieldByName("request_id");
  if (field == nullptr || field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) return "";
  std::string value = request.GetReflection()->GetString(request, field);
  return value.size() <= kMaxRequestIdLength ? value : value.substr(0, kMaxRequestIdLength) + "...";
}

absl::Status CheckRequestId(const std::string& request_id) {
  if (request_id.size() > kMaxRequestIdLength)
    return domain::InvalidField("request_id", absl::StrCat("must be at most ", kMaxRequestIdLength, " characters"));
  for (unsigned char c : request_id)
    if (c < 0x21 || c > 0x7E) return domain::InvalidField("request_id", "must be printable ASCII without spaces");
  return absl::OkStatus();
}

}  // namespace

grpc::Status HandleCall(const ApiDeps& deps, grpc::ServerContext* context, const google::protobuf::Message& request,
                        domain::Permission permission,
                        const std::function<absl::Status(const domain::Principal&)>& body) {
  absl::Time start = absl::Now();
  std::string action = ActionOf(request);
  absl::StatusOr<domain::Principal> principal = deps.authenticator.Authenticate(*context);
  absl::Status status;
  if (!principal.ok())
    status = principal.status();
  else if (!principal->Allows(permission))
    status = absl::PermissionDeniedError(
        absl::StrCat(action, " is not allowed for ",
                     principal->is_operator ? "the operator key" : domain::RoleName(principal->role) + " keys"));
  else
    status = body(*principal);

  std::string actor = principal.ok() ? principal->ActorLabel() : "anonymous";
  int64_t company = principal.ok() ? principal->company_id : 0;
  double millis = absl::ToDoubleMilliseconds(absl::Now() - start);
  std::string request_id = RequestIdOf(request);
  if (status.ok() || status.code() != absl::StatusCode::kInternal)
    spdlog::info("rpc={} company={} actor={} request_id={} code={} ms={:.1f}", action, company, actor, request_id,
                 absl::StatusCodeToString(status.code()), millis);
  else
    spdlog::error("rpc={} company={} actor={} request_id={} code={} ms={:.1f} error={}", action, company, actor,
                  request_id, absl::StatusCodeToString(status.code()), millis, std::string(status.message()));
  return ToGrpcStatus(status);
}

void MutationScope::Audit(int64_t company_id, const std::string& entity_type, int64_t entity_id,
                          const google::protobuf::Message* before, const google::protobuf::Message& after) {
  if (before != nullptr && google::protobuf::util::MessageDifferencer::Equals(*before, after)) return;
  storage::AuditEntry entry;
  entry.company_id = company_id;
  entry.actor = principal_.ActorLabel();
  entry.action = action_;
  entry.entity_type = entity_type;
  entry.entity_id = entity_id;
  entry.request_id = request_id_;
  entry.before_json = before ? ToJson(*before) : "";
  entry.after_json = ToJson(after);
  entry.occurred_at = now_;
  storage::AppendAudit(tx_, entry);
}

absl::Status RunMutation(const ApiDeps& deps, const domain::Principal& principal,
                         const google::protobuf::Message& request, const std::string& request_id,
                         google::protobuf::Message* response,
                         const std::function<absl::Status(MutationScope&)>& body,
                         const RedactForStorage& redact) {
  RETURN_IF_ERROR(CheckRequestId(request_id));
  storage::RequestKey key{.scope_id = principal.company_id,
                          .api_key_id = principal.api_key_id,
                          .request_id = request_id,
                          .method = request.GetDescriptor()->full_name(),
                          .request_sha256 = app::Sha256Hex(DeterministicBytes(request))};
  absl::Time now = deps.clock.Now();
  return deps.database.InTransaction([&](storage::Transaction& tx) -> absl::Status {
    if (!request_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<std::string> first_answer, storage::ClaimRequest(tx, key, now));
      if (first_answer) {
        response->Clear();
        return response->ParseFromString(*first_answer) ? absl::OkStatus()
                                                        : absl::InternalError("stored response is corrupt");
      }
    }
    MutationScope scope(tx, principal, now, ActionOf(request), request_id);
    RETURN_IF_ERROR(body(scope));
    if (request_id.empty()) return absl::OkStatus();
    if (!redact) {
      storage::SaveResponse(tx, key, DeterministicBytes(*response));
      return absl::OkStatus();
    }
    std::unique_ptr<google::protobuf::Message> stored(response->New());
    stored->CopyFrom(*response);
    redact(*stored);
    storage::SaveResponse(tx, key, DeterministicBytes(*stored));
    return absl::OkStatus();
  });
}

absl::Status RunQuery(const ApiDeps& deps, const std::function<absl::Status(storage::Transaction&)>& body) {
  return deps.database.InTransaction(body);
}

absl::StatusOr<int64_t> TargetCompany(const domain::Principal& principal, const std::string& field,
                                      const std::string& id) {
  if (id.empty() && !principal.is_operator) return principal.company_id;
  domain::FieldErrors errors;
  int64_t company_id = ParseId(errors, field, id);
  RETURN_IF_ERROR(errors.ToStatus());
  if (!principal.is_operator && company_id != principal.company_id)
    return absl::NotFoundError(absl::StrCat("company ", company_id, " not found"));
  return company_id;
}


}  // namespace invoicehub::api
