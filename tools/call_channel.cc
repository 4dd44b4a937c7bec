#include "call_channel.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace invoicehub::call {
namespace {

std::shared_ptr<grpc::ChannelCredentials> Credentials(const CallArgs& args, std::string* error) {
  if (args.plaintext) return grpc::InsecureChannelCredentials();
  if (args.insecure) {
    // Only the experimental TLS credentials can skip verification: neither
    // the chain (verify_server_certs) nor the host name (no-op verifier).
    grpc::experimental::TlsChannelCredentialsOptions options;
    options.set_verify_server_certs(false);
    options.set_check_call_host(false);
    options.set_certificate_verifier(
        std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
    return grpc::experimental::TlsCredentials(options);
  }
  grpc::SslCredentialsOptions options;
  if (!args.cacert.empty()) {
    std::ifstream in(args.cacert);
    std::stringstream pem;
    if (!in || !(pem << in.rdbuf())) {
      *error = "Failed to configure transport credentials: could not read " + args.cacert;
      return nullptr;
    }
    options.pem_root_certs = pem.str();
  }
  return grpc::SslCredentials(options);
}

}  // namespace

std::shared_ptr<grpc::Channel> MakeChannel(const CallArgs& args, std::string* error) {
  auto credentials = Credentials(args, error);
  if (!credentials) return nullptr;
  grpc::ChannelArguments channel_args;
  if (!args.authority.empty()) {
    if (args.plaintext) {
      channel_args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, args.authority);
    } else {
      channel_args.SetSslTargetNameOverride(args.authority);  // sets :authority too
    }
  }
  return grpc::CreateCustomChannel(args.address, credentials, channel_args);
}

void PrepareContext(const CallArgs& args, grpc::ClientContext* context) {
  for (const auto& [name, value] : args.headers) context->AddMetadata(name, value);
  if (args.max_time_seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::duration<double>(args.max_time_seconds)));
  }
}

}  // namespace invoicehub::call
