#pragma once
// The payment import loop: every `interval`, for each company with bill-pay
// enabled, applies the inbox events still pending and pages bill-pay's
// payment feed from the company's cursor (app/billpay_import.h, BP-12), so
// a webhook that never arrived or failed to apply is caught up. Several
// server processes may run it: the cursor row lock makes the imports of one
// company take turns, and the applied payments' links make a repeat a no-op.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/app/billpay_gateways.h"
#include "server/app/billpay_import.h"
#include "server/domain/clock.h"

namespace invoicehub::workers {

struct CompanyImport {
  int64_t company_id = 0;
  absl::StatusOr<app::ImportSummary> summary;
};

class PaymentImportWorker {
 public:
  PaymentImportWorker(app::BillPayGateways& gateways, const domain::Clock& clock,
                      absl::Duration interval = absl::Seconds(30));
  ~PaymentImportWorker();
  PaymentImportWorker(const PaymentImportWorker&) = delete;
  PaymentImportWorker& operator=(const PaymentImportWorker&) = delete;

  // Starts the loop on a thread of its own; its first round runs at once.
  void Start();
  // Wakes the loop and joins it; a round in progress finishes its current
  // company first.
  void Stop();

  // One round on the calling thread: each company with bill-pay enabled,
  // with its counts or its error (also logged, one line per company).
  std::vector<CompanyImport> RunOnce();

 private:
  void Loop();

  app::BillPayGateways& gateways_;
  const domain::Clock& clock_;
  absl::Duration interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace invoicehub::workers
