#include "core/thread_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/error.h"

using stowage::parallel_for;
using stowage::worker_count;

TEST_CASE("every item runs exactly once") {
  for (int threads : {1, 3, 8}) {
    std::vector<std::atomic<int>> runs(1000);
    parallel_for(runs.size(), threads, [&](std::size_t i) { ++runs[i]; });
    for (const auto& r : runs)
      REQUIRE(r == 1);
  }
  parallel_for(0, 4, [](std::size_t) { FAIL("no item to run"); });
}

TEST_CASE("the thread count is respected") {
  CHECK(worker_count(100, 4) == 4);
  CHECK(worker_count(2, 8) == 2);
  CHECK(worker_count(5, 0) == 1);
  CHECK(worker_count(5, -3) == 1);
  CHECK(worker_count(0, 4) == 0);

  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::set<std::size_t> workers;
  parallel_for(64, 3, [&](std::size_t, std::size_t worker) {
    int now = ++running;
    int seen = most;
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    {
      std::lock_guard lock(mutex);
      ids.insert(std::this_thread::get_id());
      workers.insert(worker);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --running;
  });
  CHECK(most <= 3);
  CHECK(ids.size() <= 3);
  for (std::size_t w : workers)
    CHECK(w < 3);

  // One thread: everything runs on the caller, in order.
  const auto caller = std::this_thread::get_id();
  std::vector<std::size_t> order;
  bool elsewhere = false;
  parallel_for(5, 1, [&](std::size_t i) {
    elsewhere = elsewhere || std::this_thread::get_id() != caller;
    order.push_back(i);
  });
  CHECK_FALSE(elsewhere);
  CHECK(order == std::vector<std::size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("an exception propagates after every worker stopped") {
  std::atomic<int> running{0};
  std::atomic<int> started{0};
  auto run = [&] {
    parallel_for(1000, 4, [&](std::size_t i) {
      ++running;
      ++started;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --running;
      if (i == 10)
        throw stowage::InputError("item 10 is bad");
    });
  };
  CHECK_THROWS_AS(run(), stowage::InputError);
  CHECK(running == 0);
  // No new item starts after the failure: at most the ones already handed out finish.
  CHECK(started < 1000);
}

TEST_CASE("the lowest failing item's exception wins, whatever the timing") {
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      parallel_for(50, 4, [](std::size_t i) {
        if (i == 7) {
          std::this_thread::sleep_for(std::chrono::milliseconds(3));
          throw std::runtime_error("seven");
        }
        if (i == 8)
          throw std::runtime_error("eight");
      });
      FAIL("nothing thrown");
    } catch (const std::runtime_error& e) {
      REQUIRE(std::string(e.what()) == "seven");
    }
  }
}
