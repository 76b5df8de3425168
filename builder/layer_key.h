// What identifies a planned layer in the layer cache (cache/layer_cache.h).
//
// The key is the SHA-256 of a canonical description of the layer: every entry's image path,
// type, normalised mode, size, link target and host stat fingerprint (device, inode, mtime
// and ctime in ns), or for generated content its digest, or for streamed content (a wheel's
// member) its source's identity (the wheel's sha256, the member and its hash), plus the
// compression and tar settings. When a file is touched or replaced its fingerprint changes and
// the layer is rebuilt; the rebuilt layer has the same digest if the bytes are the same,
// because the digest depends only on content.
#pragma once

#include <string>

#include "builder/layer_plan.h"
#include "layers/compressor.h"
#include "layers/tar_writer.h"

namespace stowage::builder {

// The key of `layer` built with these settings.
std::string layer_key(const PlannedLayer& layer, const layers::CompressionOptions& compression,
                      const layers::TarOptions& tar);

}  // namespace stowage::builder
