#include "server/workers/payment_import_worker.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "storage/billpay_account_repository.h"

namespace invoicehub::workers {

PaymentImportWorker::PaymentImportWorker(app::BillPayGateways& gateways, const domain::Clock& clock,
                                         absl::Duration interval)
    : gateways_(gateways), clock_(clock), interval_(interval) {}

PaymentImportWorker::~PaymentImportWorker() { Stop(); }

void PaymentImportWorker::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void PaymentImportWorker::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<CompanyImport> PaymentImportWorker::RunOnce() {
  std::vector<int64_t> companies;
  absl::Status listed = gateways_.database().InTransaction([&](storage::Transaction& tx) {
    companies = storage::ListCompaniesWithBillPay(tx);
    return absl::OkStatus();
  });
  if (!listed.ok()) {
    spdlog::error("billpay import: cannot list companies: {}", std::string(listed.message()));
    return {};
  }
  std::vector<CompanyImport> results;
  for (int64_t company_id : companies) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    CompanyImport result{company_id, app::ImportBillPayPayments(gateways_, company_id, clock_)};
    if (result.summary.ok())
      spdlog::info("billpay import company={} recorded={} reversed={} unchanged={} unmatched={}", company_id,
                   result.summary->recorded, result.summary->reversed, result.summary->unchanged,
                   result.summary->unmatched);
    else
      spdlog::warn("billpay import company={} failed: {} {}", company_id,
                   absl::StatusCodeToString(result.summary.status().code()),
                   std::string(result.summary.status().message()));
    results.push_back(std::move(result));
  }
  return results;
}

void PaymentImportWorker::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    RunOnce();
    lock.lock();
    wake_.wait_for(lock, std::chrono::microseconds(absl::ToInt64Microseconds(interval_)), [this] { return stopping_; });
  }
}

}  // namespace invoicehub::workers
