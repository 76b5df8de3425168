// What past builds of a recipe produced, so `stowage plan` can show whether the layer
// ordering works (lower layers should change less often than higher ones) and
// `stowage cache prune` knows which blobs are still in use.
//
// Stored in the cache's history directory (cache_dir.h) as <sha256 of the recipe's absolute
// path>.json, replaced atomically after each build; the newest kMaxBuilds builds are kept.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cache/cache_dir.h"

namespace stowage::cache {

struct HistoryLayer {
  std::string layer_class;
  std::string description;  // identifies "the same layer" across builds
  std::string digest;
};

struct HistoryBuild {
  std::int64_t time = 0;  // seconds since the epoch, wall clock of the build
  std::string manifest;   // manifest digest
  std::string config;     // config digest
  std::vector<HistoryLayer> layers;
};

// How often one layer changed across the recorded builds.
struct LayerChurn {
  int changed = 0;      // builds in which it differed from the build before
  int comparisons = 0;  // consecutive build pairs in which it existed in both
};

class BuildHistory {
 public:
  static constexpr std::size_t kMaxBuilds = 20;

  BuildHistory(const CacheDir& cache, const std::filesystem::path& recipe);

  std::vector<HistoryBuild> builds() const;
  // Appends a build (dropping the oldest beyond kMaxBuilds).
  void record(const HistoryBuild& build) const;
  // Churn of the layer called `description`, over the recorded builds.
  static LayerChurn churn(const std::vector<HistoryBuild>& builds, const std::string& description);

  // Every build recorded for any recipe in this cache.
  static std::vector<HistoryBuild> all(const CacheDir& cache);

 private:
  std::filesystem::path file_;
};

}  // namespace stowage::cache
