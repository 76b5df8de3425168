#include "cache/layer_cache.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"

namespace stowage::cache {

using nlohmann::json;

LayerCache::LayerCache(const CacheDir& cache, const layers::BlobStore& blobs)
    : dir_(cache.layer_records()), blobs_(blobs) {
  std::filesystem::create_directories(dir_);
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

}  // namespace stowage::cache
