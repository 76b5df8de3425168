// The build cache's directory: the one place that knows where each store lives under the
// cache root. Every other module is handed the directory it needs.
//
//   <root>/blobs/sha256/<hex>        layers::BlobStore: built layers, configs, manifests, bases
//   <root>/layers/<key>.json         LayerCache records: layer key (builder/layer_key.h) → blob
//   <root>/history/<hash>.json       BuildHistory, one file per recipe
//   <root>/wheels/                   the wheel download area (python::WheelCache)
//   <root>/wheels/verified/<sha256>  wheels whose RECORD was checked once
//   <root>/wheels/bases/<key>.json   the Python interpreters a set of base layers holds
//   <root>/entrypoint/<key>.index    a set of base layers' file index (entrypoint check)
//
// Several stowage processes may share one cache: every store writes its files atomically.
#pragma once

#include <filesystem>
#include <string_view>

#include "layers/blob_store.h"

namespace stowage::cache {

// Where default_cache_dir() looks, in order, for help texts.
inline constexpr std::string_view kDefaultCacheDirOrder =
    "$STOWAGE_CACHE, else $XDG_CACHE_HOME/stowage, else ~/.cache/stowage";

// The first of kDefaultCacheDirOrder that is set. Throws InputError when none is.
std::filesystem::path default_cache_dir();

class CacheDir {
 public:
  // The cache at `root`; a store's directory is created when the store is first used.
  explicit CacheDir(std::filesystem::path root);
  // The cache at `root`, or at default_cache_dir() when `root` is empty (no --cache given).
  static CacheDir at_or_default(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // The blob store (creates its directory), and the directory holding its blob files.
  layers::BlobStore blob_store() const;
  std::filesystem::path blob_files() const;
  std::filesystem::path layer_records() const;
  std::filesystem::path history() const;
  std::filesystem::path wheel_downloads() const;
  std::filesystem::path verified_wheels() const;
  std::filesystem::path base_python_probes() const;
  std::filesystem::path entrypoint_indexes() const;

  // Removes the temporaries ("*.tmp-<pid>…") that killed builds left anywhere in the cache;
  // those of live processes stay, they may belong to a build at work.
  void remove_stale_temporaries() const;

 private:
  std::filesystem::path root_;
};

}  // namespace stowage::cache
