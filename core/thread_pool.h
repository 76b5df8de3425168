// Running independent work items on a bounded number of threads.
//
// Every parallel loop in stowage (building layers, fetching wheels, moving blobs) goes through
// parallel_for, so they share one failure rule: after an item throws, no new item starts, the
// running ones finish, and the exception a plain sequential loop would have thrown (the one of
// the lowest-index item that failed) is rethrown once every worker has stopped. Items are handed
// out in index order, so every item below a failing one has run: the error a user sees does not
// depend on thread timing. No thread outlives the call.
#pragma once

#include <cstddef>
#include <functional>

namespace stowage {

// How many workers parallel_for uses for `count` items and at most `threads` threads: never
// more than there are items; a `threads` below 1 counts as 1.
std::size_t worker_count(std::size_t count, int threads);

// Calls fn(i) exactly once for every i in [0, count) (until an item fails), on
// worker_count(count, threads) threads, one of which is the calling thread.
void parallel_for(std::size_t count, int threads, const std::function<void(std::size_t)>& fn);

// As above; `fn` also receives the index of the worker running it, in
// [0, worker_count(count, threads)), for state a worker keeps across items (a connection).
void parallel_for(std::size_t count, int threads,
                  const std::function<void(std::size_t item, std::size_t worker)>& fn);

}  // namespace stowage
