#include "builder/layer_cache.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"

namespace stowage::builder {

using nlohmann::json;

namespace {
// Bumped whenever the tar or compression output for the same inputs changes.
constexpr int kFormatVersion = 2;
}  // namespace

LayerCache::LayerCache(std::filesystem::path dir, const layers::BlobStore& blobs)
    : dir_(std::move(dir)), blobs_(blobs) {
  std::filesystem::create_directories(dir_);
}

std::string LayerCache::key(const PlannedLayer& layer,
                            const layers::CompressionOptions& compression,
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

std::optional<layers::LayerResult> LayerCache::find(const std::string& key) const {
  auto path = dir_ / (key + ".json");
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::nullopt;
  json j = json::parse(read_file(path), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;  // a damaged entry is a miss
  try {
    layers::Descriptor descriptor;
    descriptor.media_type = j.at("mediaType").get<std::string>();
    descriptor.digest = layers::Digest::parse(j.at("digest").get<std::string>());
    descriptor.size = j.at("size").get<std::int64_t>();
    layers::LayerResult r{descriptor, layers::Digest::parse(j.at("diffID").get<std::string>()),
                          j.at("uncompressedSize").get<std::int64_t>(), 0};
    auto size = blobs_.size_of(r.descriptor.digest);
    if (!size || *size != r.descriptor.size)
      return std::nullopt;
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void LayerCache::remember(const std::string& key, const layers::LayerResult& r) const {
  json j = {{"mediaType", r.descriptor.media_type},
            {"digest", r.descriptor.digest.str()},
            {"size", r.descriptor.size},
            {"diffID", r.diff_id.str()},
            {"uncompressedSize", r.uncompressed_size}};
  write_file_atomically(dir_ / (key + ".json"), j.dump());
}

}  // namespace stowage::builder
