// What invoicehub-call prints: messages as JSON and failed statuses, both in
// grpcurl's layout, so that scripts and docs can compare output verbatim.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include <iosfwd>
#include <string>
#include <string_view>

namespace invoicehub::call {

// Re-indents compact JSON the way Go's json.Indent(…, "", "  ") does.
std::string IndentJson(std::string_view compact);

// The message as grpcurl prints it: lowerCamelCase names, 2-space indent,
// no trailing newline. On failure returns false and sets *error.
bool ToJson(const google::protobuf::Message& message, bool emit_defaults, std::string* json,
            std::string* error);

// grpc-go's name of a status code ("InvalidArgument"), as grpcurl prints it.
std::string CodeName(grpc::StatusCode code);

// The "ERROR:\n  Code: …" block, or with as_json the status (code, message,
// details) as one JSON object, like grpcurl -format-error.
void PrintStatus(std::ostream& out, const grpc::Status& status, bool as_json, bool emit_defaults);

}  // namespace invoicehub::call
