// What operators and tools see of a running server: the HTTP probes, the
// standard gRPC health service, and server reflection (what
// `grpcurl -plaintext host:port list` and `describe` rely on).

#include <set>
#include <string>

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/e2e/e2e_fixture.h"

namespace invoicehub::e2e {
namespace {

using ::testing::UnorderedElementsAre;

class HealthAndReflectionTest : public E2eTest {};

// DESIGN http/: GET /healthz answers 200 "ok" while the process lives.
TEST_F(HealthAndReflectionTest, HealthzAnswersOk) {
  HttpAnswer answer = HttpGet(server().process.http_port(), "/healthz");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "ok\n");
}

// DESIGN http/: GET /readyz answers 200 "ready" once the database is reachable
// and migrated.
TEST_F(HealthAndReflectionTest, ReadyzAnswersReady) {
  HttpAnswer answer = HttpGet(server().process.http_port(), "/readyz");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "ready\n");
}

// An unknown HTTP path is not an endpoint.
TEST_F(HealthAndReflectionTest, UnknownHttpPathIsNotFound) {
  EXPECT_EQ(HttpGet(server().process.http_port(), "/no-such-endpoint").status, 404);
}

// DESIGN dependencies: the standard health service is on; the server as a
// whole (service "") is SERVING.
TEST_F(HealthAndReflectionTest, GrpcHealthCheckIsServing) {
  auto stub = grpc::health::v1::Health::NewStub(api().channel());
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(ApiClient::Context("").get(), request, &response);
  ASSERT_TRUE(status.ok()) << StatusText(status);
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

grpc::reflection::v1alpha::ServerReflectionResponse Reflect(
    ApiClient& api, const grpc::reflection::v1alpha::ServerReflectionRequest& request) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(api.channel());
  auto context = ApiClient::Context("");
  auto stream = stub->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  EXPECT_TRUE(stream->Write(request));
  EXPECT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Read(&response));
  grpc::reflection::v1alpha::ServerReflectionResponse extra;
  while (stream->Read(&extra)) {
  }
  grpc::Status status = stream->Finish();
  EXPECT_TRUE(status.ok()) << StatusText(status);
  return response;
}

// DESIGN dependencies: reflection is on, so `grpcurl -plaintext host:port list`
// shows the four Invoicehub services, health and reflection, without any
// .proto file and without an API key.
TEST_F(HealthAndReflectionTest, ReflectionListsEveryService) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("*");
  auto response = Reflect(api(), request);
  ASSERT_TRUE(response.has_list_services_response()) << response.DebugString();
  std::vector<std::string> names;
  for (const auto& service : response.list_services_response().service()) names.push_back(service.name());
  EXPECT_THAT(names, UnorderedElementsAre("invoicehub.v1.AdminService", "invoicehub.v1.CustomerService",
                                          "invoicehub.v1.InvoiceService", "invoicehub.v1.PaymentService",
                                          "invoicehub.v1.SyncService",
                                          "grpc.health.v1.Health",
                                          "grpc.reflection.v1alpha.ServerReflection"));
}

// `grpcurl describe invoicehub.v1.InvoiceService` works: reflection serves the
// descriptor of the file that defines the service.
TEST_F(HealthAndReflectionTest, ReflectionDescribesAService) {
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_file_containing_symbol("invoicehub.v1.InvoiceService");
  auto response = Reflect(api(), request);
  ASSERT_TRUE(response.has_file_descriptor_response()) << response.DebugString();
  std::set<std::string> files;
  for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(file.ParseFromString(bytes));
    files.insert(file.name());
    if (file.name() == "invoicehub/v1/invoice_service.proto") {
      ASSERT_EQ(file.service_size(), 1);
      EXPECT_EQ(file.service(0).name(), "InvoiceService");
    }
  }
  EXPECT_TRUE(files.count("invoicehub/v1/invoice_service.proto")) << ::testing::PrintToString(files);
}

}  // namespace
}  // namespace invoicehub::e2e
