#include "integrations/billpay/sandbox/state_store.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace invoicehub::billpay::sandbox {

absl::StatusOr<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path) {
  SandboxState state;
  if (!path.empty()) {
    std::ifstream file(path, std::ios::binary);
    if (file) {
      std::stringstream content;
      content << file.rdbuf();
      Json json = Json::parse(content.str(), nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, " is not JSON"));
      absl::StatusOr<SandboxState> loaded = SandboxState::FromJson(json);
      if (!loaded.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", loaded.status().message()));
      state = std::move(*loaded);
      spdlog::info("loaded {} account(s) from {}", state.books().size(), path);
    }
  }
  return std::unique_ptr<StateStore>(new StateStore(path, std::move(state)));
}

// Not fsynced: the file survives a killed process (what tests and demos
// do), which is all a sandbox needs; a power cut may lose the last changes.
void StateStore::SaveLocked() {
  if (path_.empty()) return;
  std::string temporary = absl::StrCat(path_, ".tmp.", getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    // Never throws: a stray invalid UTF-8 byte must not make every later save fail.
    file << state_.ToJson().dump(-1, ' ', false, Json::error_handler_t::replace);
    file.flush();
    if (!file) {
      spdlog::error("cannot write {}: the state file keeps its previous content", temporary);
      std::remove(temporary.c_str());
      return;
    }
  }
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    spdlog::error("cannot rename {} to {}: the state file keeps its previous content", temporary, path_);
    std::remove(temporary.c_str());
  }
}

void StateStore::WaitForChange(uint64_t seen_version, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return version_ != seen_version || stop_waiting_; });
}

void StateStore::StopWaiting() {
  std::lock_guard lock(mutex_);
  stop_waiting_ = true;
  changed_.notify_all();
}

}  // namespace invoicehub::billpay::sandbox
