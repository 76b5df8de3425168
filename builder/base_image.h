// The image a build starts from.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "layers/blob_store.h"
#include "layers/compressor.h"
#include "layers/image.h"
#include "recipes/recipe.h"
#include "registry/client.h"
#include "registry/reference.h"

namespace stowage::builder {}  // namespace stowage::builder
namespace stowage::cache {
class LayerCache;
}  // namespace stowage::cache
namespace stowage::builder {

struct BaseImage {
  std::string description;                 // "scratch", "oci:/srv/base:3.11", "rootfs:base.tar"
  layers::ImageConfig config;              // the base's config; an empty one for scratch/rootfs
  std::vector<layers::Descriptor> layers;  // its layers, lowest first (OCI media types)
  // For a registry base: where its layers live, pinned by digest. They are fetched only when
  // needed (an OCI layout to write); a push mounts or streams them from there.
  std::optional<registry::Reference> remote;
};

// Resolves the recipe's base for `platform`: `resolution.base_image` when it is a registry
// image (written in the recipe, or the knowledge base's default), read through `client`
// (manifest and config only, kept in `blobs` for the next build: see registry::fetch_image).
// Layers of local bases (oci:, rootfs:) are placed in `blobs`; a rootfs tarball is compressed
// with `compression` once and then found through `cache`.
// Throws InputError for a base that does not exist, is not an image, or lacks the platform,
// and Error when a registry cannot be read.
BaseImage resolve_base(const recipes::Recipe& recipe, const knowledge::Resolution& resolution,
                       const layers::Platform& platform, const layers::BlobStore& blobs,
                       const cache::LayerCache& cache,
                       const layers::CompressionOptions& compression, registry::Client& client);

}  // namespace stowage::builder
