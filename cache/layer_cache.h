// The local layer cache: remembers which blob a planned layer produced, keyed by what the
// layer would contain (builder/layer_key.h), so an unchanged layer is neither read nor tarred
// again.
//
// Entries live in the cache's layer records (cache_dir.h), one JSON file per key, written
// atomically, so several stowage processes can share one cache. An entry whose blob is missing from
// the blob store is treated as absent.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "cache/cache_dir.h"
#include "layers/blob_store.h"
#include "layers/layer_writer.h"

namespace stowage::cache {

class LayerCache {
 public:
  LayerCache(const CacheDir& cache, const layers::BlobStore& blobs);

  std::optional<layers::LayerResult> find(const std::string& key) const;
  void remember(const std::string& key, const layers::LayerResult& result) const;

 private:
  std::filesystem::path dir_;
  const layers::BlobStore& blobs_;
};

}  // namespace stowage::cache
