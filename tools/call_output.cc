#include "call_output.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <ostream>
#include <sstream>

#include "invoicehub/v1/common.pb.h"

namespace invoicehub::call {

namespace {

void AppendUtf8(std::string* out, unsigned cp) {
  if (cp < 0x80) {
    *out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    *out += static_cast<char>(0xC0 | (cp >> 6));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (cp >> 12));
    *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Copies the string literal starting at compact[i] (the opening quote) and
// returns the index after its closing quote. Go's encoder, which grpcurl
// uses, escapes a different set of characters than protobuf's C++ one: it
// also escapes '&', and leaves DEL and invisible characters such as U+00AD
// or U+200B as they are. Rewriting the escapes makes the output byte-equal.
size_t CopyString(std::string_view compact, size_t i, std::string* out) {
  *out += compact[i++];  // opening quote
  while (i < compact.size()) {
    const char c = compact[i];
    if (c == '"') {
      *out += c;
      return i + 1;
    }
    if (c == '&') {
      *out += "\\u0026";
      ++i;
      continue;
    }
    if (c != '\\') {
      *out += c;
      ++i;
      continue;
    }
    unsigned cp = 0;
    if (compact.substr(i + 1, 1) == "u" && i + 6 <= compact.size() &&
        std::sscanf(std::string(compact.substr(i + 2, 4)).c_str(), "%4x", &cp) == 1) {
      const bool go_escapes = cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 ||
                              cp == 0x2029 || (cp >= 0xD800 && cp <= 0xDFFF);
      if (!go_escapes) {
        AppendUtf8(out, cp);
        i += 6;
        continue;
      }
    }
    *out += compact.substr(i, 2);  // any other escape stays as it is
    i += 2;
  }
  return i;
}

}  // namespace

std::string IndentJson(std::string_view compact) {
  // protobuf's own add_whitespace indents by one space; grpcurl re-indents
  // with Go's json.Indent, which this mirrors: a newline after '{', '[' and
  // ',', ": " after keys, and empty objects and arrays kept as {} and [].
  std::string out;
  int depth = 0;
  bool opened = false;  // just after '{' or '[': indent only if not closed at once
  auto newline = [&out](int d) { out += '\n' + std::string(2 * static_cast<size_t>(d), ' '); };

  for (size_t i = 0; i < compact.size();) {
    const char c = compact[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (opened && c != '}' && c != ']') {
      opened = false;
      newline(++depth);
    }
    if (c == '"') {
      i = CopyString(compact, i, &out);
      continue;
    }
    switch (c) {
      case '{':
      case '[':
        out += c;
        opened = true;
        break;
      case ',':
        out += c;
        newline(depth);
        break;
      case ':':
        out += ": ";
        break;
      case '}':
      case ']':
        if (opened) {
          opened = false;
        } else {
          newline(--depth);
        }
        out += c;
        break;
      default:
        out += c;
    }
    ++i;
  }
  return out;
}

bool ToJson(const google::protobuf::Message& message, bool emit_defaults, std::string* json,
            std::string* error) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;  // IndentJson lays it out
  options.always_print_primitive_fields = emit_defaults;
  options.preserve_proto_field_names = false;
  std::string compact;
  const auto status = google::protobuf::util::MessageToJsonString(message, &compact, options);
  if (!status.ok()) {
    *error = std::string(status.message());
    return false;
  }
  *json = IndentJson(compact);
  return true;
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Code(" + std::to_string(static_cast<int>(code)) + ")";
  }
}

void PrintStatus(std::ostream& out, const grpc::Status& status, bool as_json, bool emit_defaults) {
  // The grpc-status-details-bin trailer is a serialized google.rpc.Status;
  // invoicehub.v1.RpcStatus is wire-compatible and its Any details resolve
  // against the protos linked into this binary. Code and message come from
  // the status itself, which is what grpc-go (and so grpcurl) reports too.
  invoicehub::v1::RpcStatus rpc_status;
  if (!status.error_details().empty() && !rpc_status.ParseFromString(status.error_details())) {
    rpc_status.Clear();
  }
  rpc_status.set_code(static_cast<int32_t>(status.error_code()));
  rpc_status.set_message(status.error_message());

  std::string json;
  std::string error;
  if (as_json) {
    if (ToJson(rpc_status, emit_defaults, &json, &error)) {
      out << json << '\n';
    } else {
      out << "ERROR: " << error << '\n';
    }
    return;
  }

  out << "ERROR:\n  Code: " << CodeName(status.error_code())
      << "\n  Message: " << status.error_message() << '\n';
  if (rpc_status.details().empty()) return;
  out << "  Details:\n";
  for (int i = 0; i < rpc_status.details_size(); ++i) {
    // grpcurl's layout: "  1)<TAB>" before the first line, and the width of
    // "  1)" in spaces plus a tab before each following line.
    const std::string prefix = "  " + std::to_string(i + 1) + ")";
    out << prefix << '\t';
    if (!ToJson(rpc_status.details(i), emit_defaults, &json, &error)) {
      out << "Error parsing detail message: " << error << '\n';
      continue;
    }
    std::istringstream lines(json);
    std::string line;
    for (bool first = true; std::getline(lines, line); first = false) {
      if (!first) out << std::string(prefix.size(), ' ') << '\t';
      out << line << '\n';
    }
  }
}

}  // namespace invoicehub::call
