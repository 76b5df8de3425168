#include "builder/layer_key.h"

#include <nlohmann/json.hpp>

#include "layers/digest.h"

namespace stowage::builder {

using nlohmann::json;

namespace {
// Bumped whenever the tar or compression output for the same inputs changes.
constexpr int kFormatVersion = 2;
}  // namespace

std::string layer_key(const PlannedLayer& layer, const layers::CompressionOptions& compression,
                      const layers::TarOptions& tar) {
  layers::Sha256 h;
  json head = {{"v", kFormatVersion},
               {"compression", layers::compression_name(compression.algorithm)},
               {"zstd_level", compression.zstd_level},
               {"gzip_level", compression.gzip_level},
               {"mtime", tar.mtime}};
  h.update(head.dump());
  for (const auto& item : layer.items) {
    const auto& e = item.entry;
    json j =
        json::array({e.path, static_cast<int>(e.type), e.mode, e.size, e.link_target, e.uid, e.gid,
                     e.source.string(), item.device, item.inode, item.mtime_ns, item.ctime_ns});
    // Generated content has no host fingerprint: its bytes are the key. Streamed content
    // (a wheel's member) is named by its source, which stats nothing.
    if (e.content)
      j.push_back(layers::Digest::of(*e.content).str());
    if (e.content_source)
      j.push_back(e.content_source->identity());
    h.update("\n");
    h.update(j.dump());
  }
  return std::string(h.finish().hex());
}

}  // namespace stowage::builder
