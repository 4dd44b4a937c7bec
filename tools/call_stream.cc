#include "call_stream.h"

#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/async_stream.h>

namespace invoicehub::call {
namespace {

// Waits for the one operation in flight and returns whether it succeeded.
// Operations are issued one at a time, so the tag need not tell them apart.
bool Await(grpc::CompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  return cq->Next(&tag, &ok) && ok;
}

}  // namespace

grpc::Status CallServerStream(const std::shared_ptr<grpc::Channel>& channel,
                              grpc::ClientContext* context, const std::string& method,
                              const grpc::ByteBuffer& request, const ResponseHandler& on_response) {
  // GenericStub has no callback form of a server-streaming call in gRPC 1.51
  // (only unary and bidi), so drive its generic reader-writer on our own
  // completion queue; a server stream is a bidi stream with one write.
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  const auto call = stub.PrepareCall(context, method, &cq);
  void* const tag = &cq;

  // A failed step means the call is already over: skip to Finish, which
  // still reports why (e.g. UNAVAILABLE, or the server's error status).
  call->StartCall(tag);
  if (Await(&cq)) {
    // WriteLast also half-closes, as a server-streaming client must.
    call->WriteLast(request, grpc::WriteOptions(), tag);
    if (Await(&cq)) {
      grpc::ByteBuffer response;
      for (;;) {
        call->Read(&response, tag);
        if (!Await(&cq)) break;  // end of stream, or the call failed
        if (!on_response(response)) {
          context->TryCancel();
          break;
        }
      }
    }
  }
  grpc::Status status;
  call->Finish(&status, tag);
  Await(&cq);

  // The queue may only be destroyed once shut down and drained.
  cq.Shutdown();
  void* ignored_tag = nullptr;
  bool ignored_ok = false;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  return status;
}

}  // namespace invoicehub::call
