#include "call_invoke.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "call_channel.h"
#include "call_output.h"
#include "call_stream.h"

namespace invoicehub::call {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

// "pkg.Service/Method" or "pkg.Service.Method", as grpcurl accepts both.
const MethodDescriptor* FindMethod(const std::string& symbol) {
  auto pos = symbol.rfind('/');
  if (pos == std::string::npos) pos = symbol.rfind('.');
  if (pos == std::string::npos || pos == 0) return nullptr;
  const std::string full_name = symbol.substr(0, pos) + "." + symbol.substr(pos + 1);
  // The generated pool holds every file linked in (tools/CMakeLists.txt
  // links invoicehub_protos whole, so no service can go missing).
  return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name);
}

std::string RequestJson(const CallArgs& args) {
  if (args.data != "@") return args.data;
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

bool IsBlank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

grpc::ByteBuffer Serialize(const Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

bool Parse(const grpc::ByteBuffer& buffer, Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return message->ParseFromString(bytes);
}

// The unary call, shaped like CallServerStream so that Invoke prints both
// alike: on_response sees the one response only if the call succeeded.
grpc::Status CallUnary(const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext* context,
                       const std::string& method, const grpc::ByteBuffer& request,
                       const ResponseHandler& on_response) {
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  grpc::GenericStub stub(channel);
  stub.UnaryCall(context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  // The call is over, so there is nothing left to stop if printing fails.
  if (status.ok()) on_response(response);
  return status;
}

// Prints response number `index` (from 1) as grpcurl does: one JSON object
// per message, each followed by a newline. Returns false, having said why on
// stderr, if the bytes are not a message of the method's output type.
bool PrintResponse(const grpc::ByteBuffer& bytes, const MethodDescriptor& method, Message* response,
                   const CallArgs& args, int index) {
  if (!Parse(bytes, response)) {
    std::cerr << "Error invoking method \"" << args.symbol << "\": could not parse the response as "
              << method.output_type()->full_name() << '\n';
    return false;
  }
  std::string out;
  std::string error;
  if (!ToJson(*response, args.emit_defaults, &out, &error)) {
    std::cerr << "Failed to format response message " << index << ": " << error << '\n';
    return false;
  }
  // Flushed per message so that a pipe sees each chunk of a stream as it
  // arrives, as with grpcurl, whose stdout is unbuffered.
  std::cout << out << '\n' << std::flush;
  return true;
}

}  // namespace

int Invoke(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args) {
  const std::string& symbol = args.symbol;
  const MethodDescriptor* method = FindMethod(symbol);
  if (method == nullptr) {
    std::cerr << "Failed to find method \"" << symbol
              << "\": not a SERVICE/METHOD of the protos compiled into invoicehub-call\n";
    return 1;
  }
  // Only calls with one request are supported: -d holds a single JSON
  // object, so client streams would need a message-by-message reader.
  if (method->client_streaming()) {
    std::cerr << "Error invoking method \"" << symbol
              << "\": streaming methods are not supported by invoicehub-call\n";
    return 1;
  }

  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<Message> request(factory.GetPrototype(method->input_type())->New());
  std::unique_ptr<Message> response(factory.GetPrototype(method->output_type())->New());

  // No data (or only whitespace) is an empty request, as with grpcurl.
  const std::string json = RequestJson(args);
  if (!IsBlank(json)) {
    const auto parsed = google::protobuf::util::JsonStringToMessage(json, request.get());
    if (!parsed.ok()) {
      std::cerr << "Error invoking method \"" << symbol
                << "\": error getting request data: " << parsed.message() << '\n';
      return 1;
    }
  }

  grpc::ClientContext context;
  PrepareContext(args, &context);
  const std::string path = "/" + method->service()->full_name() + "/" + method->name();
  const grpc::ByteBuffer request_bytes = Serialize(*request);
  // Responses are printed as they arrive; one that cannot be printed stops
  // the call and fails the command, whatever the status then says.
  int count = 0;
  bool printed = true;
  const ResponseHandler print = [&](const grpc::ByteBuffer& bytes) {
    printed = PrintResponse(bytes, *method, response.get(), args, ++count);
    return printed;
  };
  const grpc::Status status = method->server_streaming()
                                  ? CallServerStream(channel, &context, path, request_bytes, print)
                                  : CallUnary(channel, &context, path, request_bytes, print);
  if (!printed) return 1;
  // A stream may fail after some responses: those stay printed, as with
  // grpcurl, and the status follows on stderr.
  if (!status.ok()) {
    PrintStatus(std::cerr, status, args.format_error, args.emit_defaults);
    return 64 + static_cast<int>(status.error_code());
  }
  return 0;
}

}  // namespace invoicehub::call
