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
#include <vector>

#include "call_channel.h"
#include "call_output.h"

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

}  // namespace

int Invoke(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args) {
  const std::string& symbol = args.symbol;
  const MethodDescriptor* method = FindMethod(symbol);
  if (method == nullptr) {
    std::cerr << "Failed to find method \"" << symbol
              << "\": not a SERVICE/METHOD of the protos compiled into invoicehub-call\n";
    return 1;
  }
  if (method->client_streaming() || method->server_streaming()) {
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
  const grpc::ByteBuffer request_bytes = Serialize(*request);
  grpc::ByteBuffer response_bytes;
  std::promise<grpc::Status> done;
  grpc::GenericStub stub(channel);
  stub.UnaryCall(&context, "/" + method->service()->full_name() + "/" + method->name(),
                 grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();

  if (!status.ok()) {
    PrintStatus(std::cerr, status, args.format_error, args.emit_defaults);
    return 64 + static_cast<int>(status.error_code());
  }
  std::string out;
  std::string error;
  if (!Parse(response_bytes, response.get())) {
    std::cerr << "Error invoking method \"" << symbol << "\": could not parse the response as "
              << method->output_type()->full_name() << '\n';
    return 1;
  }
  if (!ToJson(*response, args.emit_defaults, &out, &error)) {
    std::cerr << "Failed to format response message 1: " << error << '\n';
    return 1;
  }
  std::cout << out << '\n';
  return 0;
}

}  // namespace invoicehub::call
