// Running a bounded number of jobs at once (blob transfers).
#pragma once

#include <cstddef>
#include <functional>

namespace stowage::registry {

// Calls job(i) for i in [0, count) on up to `parallelism` threads. After the first job throws,
// no new job starts; the running ones finish, and the first exception is rethrown.
void run_parallel(std::size_t count, int parallelism, const std::function<void(std::size_t)>& job);

}  // namespace stowage::registry
