#include "call_list.h"

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/client_context.h>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "call_channel.h"
#include "call_output.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace invoicehub::call {
namespace {

namespace reflection = grpc::reflection::v1alpha;

// One request/response exchange on the reflection stream. Returns false and
// sets *error (in grpcurl's wording) on an RPC or reflection error.
bool Ask(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args,
         const reflection::ServerReflectionRequest& request,
         reflection::ServerReflectionResponse* response, std::string* error) {
  grpc::ClientContext context;
  PrepareContext(args, &context);
  auto stub = reflection::ServerReflection::NewStub(channel);
  auto stream = stub->ServerReflectionInfo(&context);
  stream->Write(request);
  stream->WritesDone();
  const bool got = stream->Read(response);
  const grpc::Status status = stream->Finish();
  if (!status.ok()) {
    *error = status.error_code() == grpc::StatusCode::UNIMPLEMENTED
                 ? "server does not support the reflection API"
                 : "rpc error: code = " + CodeName(status.error_code()) +
                       " desc = " + status.error_message();
    return false;
  }
  if (!got) {
    *error = "no reflection response";
    return false;
  }
  if (response->has_error_response()) {
    *error = response->error_response().error_message();
    return false;
  }
  return true;
}

std::vector<std::string> MethodsOf(const std::string& service,
                                   const reflection::FileDescriptorResponse& files) {
  // The first file holds the symbol, the others are its imports; a plain
  // scan of all of them needs no descriptor pool.
  std::vector<std::string> methods;
  for (const auto& bytes : files.file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) continue;
    const std::string prefix = file.package().empty() ? "" : file.package() + ".";
    for (const auto& s : file.service()) {
      if (prefix + s.name() != service) continue;
      for (const auto& m : s.method()) methods.push_back(service + "." + m.name());
    }
  }
  return methods;
}

}  // namespace

int List(const std::shared_ptr<grpc::Channel>& channel, const CallArgs& args) {
  reflection::ServerReflectionRequest request;
  reflection::ServerReflectionResponse response;
  std::string error;
  std::vector<std::string> names;

  if (args.symbol.empty()) {
    request.set_list_services("*");
    if (!Ask(channel, args, request, &response, &error)) {
      std::cerr << "Failed to list services: " << error << '\n';
      return 1;
    }
    for (const auto& s : response.list_services_response().service()) names.push_back(s.name());
    if (names.empty()) names.push_back("(No services)");
  } else {
    request.set_file_containing_symbol(args.symbol);
    if (Ask(channel, args, request, &response, &error)) {
      names = MethodsOf(args.symbol, response.file_descriptor_response());
      if (names.empty()) error = "Service not found: " + args.symbol;
    }
    if (!error.empty()) {
      std::cerr << "Failed to list methods for service \"" << args.symbol << "\": " << error
                << '\n';
      return 1;
    }
  }

  std::sort(names.begin(), names.end());
  for (const auto& name : names) std::cout << name << '\n';
  return 0;
}

}  // namespace invoicehub::call
