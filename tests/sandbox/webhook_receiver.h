#pragma once
// A webhook endpoint for the tests: an httplib::Server on 127.0.0.1 (port
// 0) that keeps every POST it receives and answers a status the test sets.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace invoicehub::sandbox_test {

struct ReceivedWebhook {
  std::string body;
  std::string signature;  // the Billpay-Signature header
  std::string content_type;
  int answered = 0;  // the status this receiver answered
};

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url() const;
  // The status later deliveries get (200 until set).
  void set_answer(int status);
  // Waits until at least `count` deliveries have arrived or `timeout` has
  // passed, and returns all that have arrived.
  std::vector<ReceivedWebhook> WaitFor(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(15));

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<ReceivedWebhook> received_;
  int answer_ = 200;
};

}  // namespace invoicehub::sandbox_test
