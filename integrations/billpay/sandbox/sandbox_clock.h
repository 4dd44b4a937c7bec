#pragma once
// Wall-clock time as the contract counts it (Unix seconds), and in
// milliseconds for the webhook queue.

#include <chrono>
#include <cstdint>

namespace invoicehub::billpay::sandbox {

inline int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowUnix() { return NowUnixMs() / 1000; }

}  // namespace invoicehub::billpay::sandbox
