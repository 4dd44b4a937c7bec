#include "server/workers/sync_dispatcher.h"

#include <unistd.h>

#include <random>

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "server/app/sync_dispatch.h"
#include "storage/sync_event_store.h"

namespace invoicehub::workers {
namespace {

const char* EndName(app::DispatchEnd end) {
  switch (end) {
    case app::DispatchEnd::kSynced: return "synced";
    case app::DispatchEnd::kRescheduled: return "rescheduled";
    case app::DispatchEnd::kParked: return "parked";
    case app::DispatchEnd::kLeaseLost: return "lease_lost";
  }
  return "?";
}

int ClaimAndDispatch(app::BillPayGateways& gateways, const domain::Clock& clock,
                     const SyncDispatcherOptions& options, const std::string& owner, std::mt19937_64& random) {
  std::vector<storage::SyncEvent> claimed;
  absl::Status status = gateways.database().InTransaction([&](storage::Transaction& tx) {
    claimed = storage::ClaimDueSyncEvents(tx, owner, options.lease, options.batch, clock.Now());
    return absl::OkStatus();
  });
  if (!status.ok()) {
    spdlog::warn("sync dispatcher: cannot claim rows: {}", std::string(status.message()));
    return 0;
  }
  for (const storage::SyncEvent& event : claimed) {
    app::DispatchReport report = app::DispatchSyncEvent(gateways, event, clock, options.retry, random);
    auto log_level = report.end == app::DispatchEnd::kSynced ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(log_level, "sync company={} sync_event={} action={} invoice={} payment={} attempt={} {}: {}",
                event.company_id, event.id, domain::SyncActionName(event.action), event.invoice_id,
                event.payment_id, event.attempts, EndName(report.end), report.detail);
  }
  return static_cast<int>(claimed.size());
}

}  // namespace

std::string DispatcherOwnerName() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::random_device device;
  return absl::StrCat(host, ":", getpid(), ":", device() % 1000000);
}

SyncDispatcher::SyncDispatcher(app::BillPayGateways& gateways, const domain::Clock& clock,
                               SyncDispatcherOptions options)
    : gateways_(gateways), clock_(clock), options_(options), owner_(DispatcherOwnerName()) {}

SyncDispatcher::~SyncDispatcher() { Stop(); }

void SyncDispatcher::Start() {
  std::random_device device;
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, seed = device()] { Loop(seed); });
}

void SyncDispatcher::Stop() {
  stopping_ = true;
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

int SyncDispatcher::RunOnce() {
  std::mt19937_64 random(std::random_device{}());
  return ClaimAndDispatch(gateways_, clock_, options_, owner_, random);
}

void SyncDispatcher::Loop(unsigned seed) {
  std::mt19937_64 random(seed);
  while (!stopping_) {
    // A full batch suggests more are due: go on at once; else wait a little.
    if (ClaimAndDispatch(gateways_, clock_, options_, owner_, random) >= options_.batch) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, absl::ToChronoMilliseconds(options_.idle_poll), [this] { return stopping_.load(); });
  }
}

}  // namespace invoicehub::workers
