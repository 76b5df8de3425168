#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace stowage {

std::size_t worker_count(std::size_t count, int threads) {
  return std::min(count, static_cast<std::size_t>(std::max(1, threads)));
}

void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& fn) {
  parallel_for(count, threads, [&](std::size_t item, std::size_t) { fn(item); });
}

void parallel_for(std::size_t count, int threads,
                  const std::function<void(std::size_t item, std::size_t worker)>& fn) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::size_t failed_at = count;
  std::exception_ptr failure;
  auto work = [&](std::size_t worker) {
    while (!stop) {
      std::size_t item = next++;
      if (item >= count)
        return;
      try {
        fn(item, worker);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (item < failed_at) {
          failed_at = item;
          failure = std::current_exception();
        }
        stop = true;
      }
    }
  };
  {
    const std::size_t workers = worker_count(count, threads);
    std::vector<std::jthread> pool;
    for (std::size_t w = 1; w < workers; ++w)
      pool.emplace_back(work, w);
    if (workers > 0)
      work(0);
  }
  if (failure)
    std::rethrow_exception(failure);
}

}  // namespace stowage
