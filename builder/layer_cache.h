// The local layer cache: remembers which blob a planned layer produced, keyed by what the
// layer would contain, so an unchanged layer is neither read nor tarred again.
//
// The key is the SHA-256 of a canonical description of the layer: every entry's image path,
// type, normalised mode, size, link target and host stat fingerprint (device, inode, mtime
// and ctime in ns), or for generated content its digest, or for streamed content (a wheel's
// member) its source's identity (the wheel's sha256, the member and its hash), plus the
// compression and tar settings. When a file is touched or replaced
// its fingerprint changes and the layer is rebuilt; the rebuilt layer has the same digest if
// the bytes are the same, because the digest depends only on content.
//
// Entries live in <cache>/layers/<key>.json and are written atomically, so several stowage
// processes can share one cache. An entry whose blob is missing from the blob store is
// treated as absent.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "builder/layer_plan.h"
#include "layers/blob_store.h"
#include "layers/layer_writer.h"

namespace stowage::builder {

class LayerCache {
 public:
  LayerCache(std::filesystem::path dir, const layers::BlobStore& blobs);

  // The key of `layer` built with these settings.
  static std::string key(const PlannedLayer& layer, const layers::CompressionOptions& compression,
                         const layers::TarOptions& tar);

  std::optional<layers::LayerResult> find(const std::string& key) const;
  void remember(const std::string& key, const layers::LayerResult& result) const;

 private:
  std::filesystem::path dir_;
  const layers::BlobStore& blobs_;
};

}  // namespace stowage::builder
