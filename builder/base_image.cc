#include "builder/base_image.h"

#include <sys/stat.h>

#include "builder/layer_key.h"
#include "cache/layer_cache.h"
#include "core/error.h"
#include "layers/layer_writer.h"
#include "layers/media_type.h"
#include "layers/oci_layout.h"
#include "registry/pull.h"

namespace stowage::builder {
namespace fs = std::filesystem;
namespace mt = layers::media_type;

namespace {

// Docker schema 2 layers are byte-for-byte OCI layers; the OCI manifest names them so.
std::string oci_layer_media_type(const std::string& media_type) {
  if (media_type == mt::kDockerLayerGzip)
    return std::string(mt::kOciLayerGzip);
  return media_type;
}

BaseImage from_layout(const recipes::Recipe& recipe, const layers::Platform& platform,
                      const layers::BlobStore& blobs) {
  const std::string& spec = recipe.base;
  auto where = recipe.where("base");
  auto located = [&](auto&& open) {
    try {
      return open();
    } catch (const InputError& e) {
      throw InputError("base " + spec + ": " + e.reason(), e.hint(), where);
    }
  };
  layers::OciLayout layout =
      located([&] { return layers::OciLayout::open(recipe.base_spec.path); });
  layers::Descriptor desc = located([&] { return layout.find(recipe.base_spec.tag); });
  std::string doc = located([&] { return layout.read_document(desc); });
  if (mt::is_index(desc.media_type)) {
    layers::Index index = layers::parse_index(doc);
    const layers::Descriptor* chosen = nullptr;
    std::string available;
    for (const auto& m : index.manifests) {
      std::string p = m.platform ? m.platform->str() : "unknown";
      available += (available.empty() ? "" : ", ") + p;
      if (m.platform && m.platform->os == platform.os &&
          m.platform->architecture == platform.architecture &&
          (platform.variant.empty() || m.platform->variant == platform.variant)) {
        chosen = &m;
        break;
      }
    }
    if (chosen == nullptr) {
      throw InputError("base " + spec + " has no image for " + platform.str(),
                       "it has: " + available + "; pass --platform", where);
    }
    desc = *chosen;
    doc = located([&] { return layout.read_document(desc); });
  }
  if (!mt::is_manifest(desc.media_type)) {
    throw InputError("base " + spec + " points at " + desc.media_type + ", not an image manifest",
                     "", where);
  }
  layers::Manifest manifest = layers::parse_manifest(doc);
  BaseImage base;
  base.description = spec;
  base.config =
      layers::parse_config(located([&] { return layout.read_document(manifest.config); }));
  if (base.config.platform.os != platform.os ||
      base.config.platform.architecture != platform.architecture) {
    throw InputError(
        "base " + spec + " is " + base.config.platform.str() + ", not " + platform.str(),
        "build for the base's platform with --platform", where);
  }
  if (base.config.diff_ids.size() != manifest.layers.size()) {
    throw Error("base " + spec + " is inconsistent: " + std::to_string(manifest.layers.size()) +
                " layers but " + std::to_string(base.config.diff_ids.size()) + " diff_ids");
  }
  for (auto layer : manifest.layers) {
    if (!mt::is_layer(layer.media_type)) {
      throw InputError("base " + spec + " has a layer of unsupported type " + layer.media_type, "",
                       where);
    }
    // Copied and hashed, never linked: the cache is shared with other projects' builds, and the
    // layout is not stowage's to trust.
    located([&] { blobs.import_from(layout.blobs(), layer.digest, layer.size); });
    layer.media_type = oci_layer_media_type(layer.media_type);
    layer.annotations.clear();
    base.layers.push_back(layer);
  }
  return base;
}

BaseImage from_rootfs(const recipes::Recipe& recipe, const layers::Platform& platform,
                      const layers::BlobStore& blobs, const cache::LayerCache& cache,
                      const layers::CompressionOptions& compression) {
  const std::string& spec = recipe.base;
  const fs::path& tar = recipe.base_spec.path;
  struct stat st {};
  if (::stat(tar.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw InputError("base " + spec + ": " + tar.string() + " is not a readable file",
                     "rootfs: takes an uncompressed tar of a root file system, e.g. one made "
                     "by mmdebstrap",
                     recipe.where("base"));
  }
  // The tarball becomes one layer, cached by the tarball's own stat fingerprint.
  PlannedLayer fingerprint;
  ContentItem item;
  item.entry.path = "rootfs";
  item.entry.source = fs::absolute(tar);
  item.entry.size = st.st_size;
  item.device = st.st_dev;
  item.inode = st.st_ino;
  item.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  item.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  fingerprint.items.push_back(item);
  std::string key = layer_key(fingerprint, compression, layers::TarOptions{});
  auto result = cache.find(key);
  if (!result) {
    result = layers::import_tar(blobs, tar, compression);
    cache.remember(key, *result);
  }
  BaseImage base;
  base.description = spec;
  base.config.platform = platform;
  base.config.diff_ids.push_back(result->diff_id);
  layers::HistoryEntry history;
  history.created_by = "stowage: base: " + tar.filename().string();
  base.config.history.push_back(history);
  base.layers.push_back(result->descriptor);
  return base;
}

BaseImage from_registry(const recipes::Recipe& recipe, const std::string& reference,
                        const layers::Platform& platform, const layers::BlobStore& blobs,
                        registry::Client& client) {
  auto where = recipe.where("base");
  registry::Reference ref = [&] {
    try {
      return registry::Reference::parse(reference);
    } catch (const InputError& e) {
      throw InputError(e.reason(), e.hint(), where);
    }
  }();
  // Its manifest and config are kept in `blobs`: a later build asks the registry only what the
  // tag points at (nothing when the reference is pinned by digest).
  registry::RemoteImage image = registry::fetch_image(client, ref, platform, &blobs);
  BaseImage base;
  base.description = reference;
  base.config = image.config;
  if (base.config.diff_ids.size() != image.manifest.layers.size()) {
    throw Error("base " + reference +
                " is inconsistent: " + std::to_string(image.manifest.layers.size()) +
                " layers but " + std::to_string(base.config.diff_ids.size()) + " diff_ids");
  }
  for (auto layer : image.manifest.layers) {
    if (!mt::is_layer(layer.media_type)) {
      throw InputError("base " + reference + " has a layer of unsupported type " + layer.media_type,
                       "", where);
    }
    layer.media_type = oci_layer_media_type(layer.media_type);
    layer.annotations.clear();
    base.layers.push_back(layer);
  }
  base.remote = image.reference;
  return base;
}

}  // namespace

BaseImage resolve_base(const recipes::Recipe& recipe, const knowledge::Resolution& resolution,
                       const layers::Platform& platform, const layers::BlobStore& blobs,
                       const cache::LayerCache& cache,
                       const layers::CompressionOptions& compression, registry::Client& client) {
  using Kind = recipes::BaseSpec::Kind;
  switch (recipe.base_spec.kind) {
    case Kind::scratch: {
      BaseImage base;
      base.description = "scratch";
      base.config.platform = platform;
      return base;
    }
    case Kind::oci_layout:
      return from_layout(recipe, platform, blobs);
    case Kind::rootfs:
      return from_rootfs(recipe, platform, blobs, cache, compression);
    case Kind::unspecified:
    case Kind::registry:
      break;
  }
  return from_registry(recipe, resolution.base_image, platform, blobs, client);
}

}  // namespace stowage::builder
