// `stowage build` and `stowage plan` as library calls.
//
// A build runs in two phases. prepare() reads the recipe, resolves the base image (for a
// registry base: its manifest and config only), walks the model and code sources and plans
// the layers; it writes nothing but the cache, so a recipe error never leaves output behind.
// build() then produces every planned layer that the cache does not already hold (in
// parallel), assembles the config and manifest, and
//   - exports the image to an OCI layout: a new layout directory appears whole (it is built
//     under a temporary name and renamed), and an existing one only gains blobs before its
//     index.json is replaced; a registry base's layers are downloaded for this, once;
//   - pushes it: new blobs from the cache, base layers mounted from (or streamed out of) the
//     base's repository, never downloaded; the manifest goes last.
//
// build() reads as the list of its steps; each step is one file under builder/steps/, with
// the list and every step's contract in builder/steps/steps.h. A directory of its own keeps
// the steps apart from the content and planning code beside this file, and keeps them
// internal: callers see only this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "builder/base_image.h"
#include "builder/layer_plan.h"
#include "knowledge/knowledge.h"
#include "kube/manifests.h"
#include "layers/compressor.h"
#include "layers/image.h"
#include "recipes/recipe.h"
#include "registry/client.h"
#include "registry/push.h"

namespace stowage::builder {

struct BuildOptions {
  std::filesystem::path recipe = "stowage.yaml";
  std::filesystem::path output = "stowage-out/image";  // OCI layout; empty = do not export
  std::string tag = "latest";                          // ref name inside the layout
  std::filesystem::path cache_dir;                     // empty = cache::default_cache_dir()
  std::optional<layers::Compression> compression;      // nullopt = auto per layer
  layers::Platform platform;
  int threads = 0;                   // layer builders and zstd workers; 0 = one per core
  registry::ClientOptions registry;  // how registries are reached (TLS, plain HTTP, retries)
  std::string push;                  // reference to push to; empty = do not push
  registry::PushOptions push_options;
  // With a push: where to write Kubernetes manifests pinned to the pushed digest
  // (empty = none), and in which format.
  std::filesystem::path manifests;
  kube::Format manifests_format = kube::Format::yaml;
  bool force_manifests = false;  // overwrite files in `manifests` that stowage did not write
  // Called with one human-readable line per step (for --progress); may be empty.
  std::function<void(const std::string&)> progress;
};

struct LayerReport {
  recipes::LayerClass layer_class = recipes::LayerClass::base;
  std::string description;
  layers::Descriptor descriptor;
  layers::Digest diff_id = layers::Digest::of("");
  std::size_t files = 0;
  std::int64_t bytes = 0;  // file content bytes (0 for base layers)
  bool cached = false;     // true when reused; always true for base layers
};

struct BuildResult {
  layers::Descriptor manifest;  // digest and size of the manifest
  std::string manifest_json;
  std::string config_json;
  std::vector<LayerReport> layers;  // base first
  std::int64_t bytes_read = 0;      // bytes of source content read from the host
  std::filesystem::path layout;     // the OCI layout written, if any
  std::string tag;
  std::optional<registry::PushReport> push;  // when pushed
  std::vector<std::string> manifest_files;   // written into options.manifests
};

// The plan of a build, without producing anything.
struct PreparedBuild {
  recipes::Recipe recipe;
  knowledge::Resolution resolution;  // framework × CUDA × Python, checked by the knowledge base
  BaseImage base;
  std::vector<PlannedLayer> plan;       // content layers, lowest first (meta not included)
  std::vector<std::string> cache_keys;  // one per plan entry
  std::vector<bool> cached;             // whether the cache already holds that layer
};

PreparedBuild prepare(const BuildOptions& options, registry::Client& client);
BuildResult build(const BuildOptions& options);

}  // namespace stowage::builder
