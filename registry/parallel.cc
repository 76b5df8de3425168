#include "registry/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace stowage::registry {

void run_parallel(std::size_t count, int parallelism, const std::function<void(std::size_t)>& job) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::exception_ptr first_error;
  auto worker = [&] {
    while (!failed) {
      std::size_t i = next++;
      if (i >= count)
        return;
      try {
        job(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error)
          first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::size_t threads =
      std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, parallelism)));
  {
    std::vector<std::jthread> pool;
    for (std::size_t i = 1; i < threads; ++i)
      pool.emplace_back(worker);
    worker();
  }
  if (first_error)
    std::rethrow_exception(first_error);
}

}  // namespace stowage::registry
