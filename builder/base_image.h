// The image a build starts from.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "layers/blob_store.h"
#include "layers/compressor.h"
#include "layers/image.h"
#include "recipes/recipe.h"

namespace stowage::builder {

class LayerCache;

struct BaseImage {
  std::string description;                // "scratch", "oci:/srv/base:3.11", "rootfs:base.tar"
  layers::ImageConfig config;             // the base's config; an empty one for scratch/rootfs
  std::vector<layers::Descriptor> layers;  // its layers, lowest first (OCI media types)
};

// Resolves the recipe's `base` for `platform`. Layers of local bases (oci:, rootfs:) are
// placed in `blobs`; a rootfs tarball is compressed with `compression` once and then found
// through `cache`. Throws InputError for a base that does not exist, is not an image, or
// lacks the platform.
BaseImage resolve_base(const recipes::Recipe& recipe, const layers::Platform& platform,
                       const layers::BlobStore& blobs, const LayerCache& cache,
                       const layers::CompressionOptions& compression);

}  // namespace stowage::builder
