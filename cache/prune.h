// `stowage cache prune`: frees the blobs that no recent build used.
#pragma once

#include <chrono>
#include <cstdint>

#include "cache/cache_dir.h"

namespace stowage::cache {

struct PruneOptions {
  // Blobs used by a build recorded within this window are kept.
  std::chrono::hours keep{24 * 14};
  // Blobs written within this window are kept whatever the history says: a build still
  // running has written blobs that it has not recorded yet.
  std::chrono::minutes grace{60};
  bool dry_run = false;
};

struct PruneResult {
  std::int64_t blobs_removed = 0;
  std::int64_t bytes_freed = 0;
  std::int64_t blobs_kept = 0;
  std::int64_t layer_entries_removed = 0;  // layer-cache entries whose blob went away
};

// Removes from the blob store every blob that no build recorded in the last `keep` used (as
// manifest, config or layer) and that is older than `grace`, then the layer records pointing
// at removed blobs. Downloaded wheels are not touched.
PruneResult prune_cache(const CacheDir& cache, const PruneOptions& options);

}  // namespace stowage::cache
