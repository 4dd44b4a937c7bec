#pragma once
// Threads that start together, for tests of concurrent calls.

#include <latch>
#include <thread>
#include <vector>

namespace invoicehub::testing {

// Runs `body(i)` for i = 0..n-1, each on its own thread; all n threads wait at
// a latch until every one is ready, so the calls really overlap. Returns when
// all have finished.
template <typename Body>
void RunConcurrently(int n, Body&& body) {
  std::latch start(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  for (std::thread& thread : threads) thread.join();
}

}  // namespace invoicehub::testing
