// Step: build layers. Every planned layer the cache does not hold is tarred, hashed,
// compressed and stored, biggest first, several at once; each is recorded in the layer cache
// and, when pushing, queued for upload as soon as its blob exists.
#include <algorithm>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "builder/defaults.h"
#include "builder/steps/steps.h"
#include "core/thread_pool.h"
#include "layers/layer_writer.h"

namespace stowage::builder::steps {

namespace {

layers::LayerResult write_layer(const layers::BlobStore& blobs, const PlannedLayer& layer,
                                const layers::CompressionOptions& compression,
                                const layers::TarOptions& tar, layers::ByteSink* tap = nullptr) {
  layers::LayerWriter writer(blobs, compression, tar, tap);
  for (const auto& item : layer.items)
    writer.add(item.entry);
  return writer.finish();
}

int effective_threads(int requested) {
  if (requested > 0)
    return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// The plan entries the cache does not hold, biggest first so that the longest job starts
// earliest; `layers` gains the cached ones.
std::vector<std::size_t> find_cached(const BuildContext& context, const PreparedBuild& prepared,
                                     const std::vector<PlannedLayer>& plan,
                                     std::vector<std::optional<layers::LayerResult>>& layers) {
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (i < prepared.cache_keys.size())
      layers[i] = context.cache.layers.find(prepared.cache_keys[i]);
    if (!layers[i])
      todo.push_back(i);
  }
  std::stable_sort(todo.begin(), todo.end(),
                   [&](std::size_t a, std::size_t b) { return plan[a].bytes > plan[b].bytes; });
  return todo;
}

}  // namespace

layers::CompressionOptions compression_for(layers::Compression algorithm, int threads) {
  layers::CompressionOptions c;
  c.algorithm = algorithm;
  c.threads = threads;
  return c;
}

layers::TarOptions tar_options() {
  layers::TarOptions tar;
  tar.mtime = layers::source_date_epoch();
  return tar;
}

BuiltLayers build_layers(const BuildContext& context, const PreparedBuild& prepared,
                         const std::vector<PlannedLayer>& plan, PushSession* push) {
  std::vector<std::optional<layers::LayerResult>> results(plan.size());
  const std::vector<std::size_t> todo = find_cached(context, prepared, plan, results);
  const int threads = effective_threads(context.options.threads);
  // zstd's own workers share the cores with the layer builders; only heavy layers count.
  auto heavy = std::count_if(todo.begin(), todo.end(),
                             [&](std::size_t i) { return plan[i].bytes >= kHeavyLayerBytes; });
  const int zstd_threads = std::max(1, threads / std::max<int>(1, static_cast<int>(heavy)));
  std::vector<std::int64_t> todo_bytes;
  for (std::size_t i : todo)
    todo_bytes.push_back(plan[i].bytes);
  if (push) {
    for (const auto& r : results) {
      if (r)
        push->add(r->descriptor);
    }
    push->plan_streaming(todo_bytes);
  }
  auto streams = [&](std::size_t i) { return push && push->streams(plan[i].bytes); };

  const auto tar = tar_options();
  std::mutex say_mutex;
  auto build_layer = [&](std::size_t i) {
    {
      std::lock_guard lock(say_mutex);
      context.say("building layer " + std::to_string(prepared.base.layers.size() + i + 1) + ": " +
                  plan[i].description);
    }
    auto compression = compression_for(plan[i].compression, zstd_threads);
    auto stream = streams(i) ? push->open_stream() : nullptr;
    results[i] = write_layer(context.cache.blobs, plan[i], compression, tar, stream.get());
    if (i < prepared.cache_keys.size())
      context.cache.layers.remember(prepared.cache_keys[i], *results[i]);
    if (stream) {
      push->add_streamed(*stream, results[i]->descriptor);
    } else if (push) {
      push->add(results[i]->descriptor);
    }
  };
  // A streamed layer waits on the registry most of the time, so it gets a thread of its own
  // (up to the push parallelism) instead of holding one of the CPU-bound builders: compressing
  // the other layers goes on meanwhile.
  std::vector<std::size_t> streamed;
  std::vector<std::size_t> pooled;
  for (std::size_t i : todo)
    (streams(i) ? streamed : pooled).push_back(i);
  std::exception_ptr streamed_failure;
  {
    std::jthread streaming([&] {
      try {
        parallel_for(streamed.size(), push ? push->stream_threads() : 1,
                     [&](std::size_t k) { build_layer(streamed[k]); });
      } catch (...) {
        streamed_failure = std::current_exception();
      }
    });
    parallel_for(pooled.size(), threads, [&](std::size_t k) { build_layer(pooled[k]); });
  }
  if (streamed_failure)
    std::rethrow_exception(streamed_failure);

  BuiltLayers built;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    built.results.push_back(*results[i]);
    built.built.push_back(std::find(todo.begin(), todo.end(), i) != todo.end());
  }
  return built;
}

}  // namespace stowage::builder::steps
