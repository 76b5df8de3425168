// Small images for registry tests, written straight into a directory laid out as an OCI blob
// store (<root>/blobs/sha256/<hex>), with real (uncompressed) tar layers made by tar(1).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "layers/image.h"
#include "registry/blob_source.h"
#include "registry/push.h"

namespace stowage::testing {

struct TestImage {
  std::filesystem::path root;
  registry::ImageToPush image;  // raw manifest + config
  layers::Manifest manifest;
  layers::Digest digest = layers::Digest::of("");  // of the raw manifest
};

// An image whose layers hold one random file each of the given sizes (seeded, so two calls
// with the same seeds make the same layers). Layers are written under `root`.
TestImage make_test_image(const std::filesystem::path& root, const std::vector<std::int64_t>& sizes,
                          unsigned seed);

// The blob sources a push of `image` reads from: its own blob directory.
std::vector<std::shared_ptr<registry::BlobSource>> local(const TestImage& image);

// Writes an OCI layout "oci-layout" + index.json tagging `image` as `tag` into image.root.
void write_layout(const TestImage& image, const std::string& tag);

}  // namespace stowage::testing
