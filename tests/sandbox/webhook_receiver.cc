#include "tests/sandbox/webhook_receiver.h"

#include <gtest/gtest.h>
#include <httplib.h>

namespace invoicehub::sandbox_test {

WebhookReceiver::WebhookReceiver() : server_(std::make_unique<httplib::Server>()) {
  server_->Post("/webhooks/billpay", [this](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    received_.push_back({request.body, request.get_header_value("Billpay-Signature"),
                         request.get_header_value("Content-Type"), answer_});
    response.status = answer_;
    arrived_.notify_all();
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  EXPECT_GT(port_, 0) << "the webhook receiver cannot listen";
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

WebhookReceiver::~WebhookReceiver() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/billpay"; }

void WebhookReceiver::set_answer(int status) {
  std::lock_guard lock(mutex_);
  answer_ = status;
}

std::vector<ReceivedWebhook> WebhookReceiver::WaitFor(size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  arrived_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
  return received_;
}

}  // namespace invoicehub::sandbox_test
