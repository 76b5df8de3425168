// The steps of builder::build(), in the order build() runs them (builder/build.cc). Internal
// to builder/: each step is one file in this directory, takes the BuildContext and its own
// inputs, and returns its outputs, so build() shows what flows from one step to the next.
//
//   prepare                  recipe, base, content, plan (builder/build.h; prepare.cc)
//   check_manifest_settings  refuse bad deploy settings before any work (write_manifests.cc)
//   Cache                    open the cache, clear what killed builds left
//   add_meta_layer           the plan plus the meta layer, /etc/stowage/build.json
//   PushSession              start pushing in the background, before any layer is built
//   build_layers             every planned layer the cache does not hold, in parallel
//   assemble_image           config and manifest, stored in the blob store
//   record_history           the build's layers, for `stowage plan` and `stowage cache prune`
//   export_layout            the OCI layout at options.output
//   PushSession::finish      the remaining blobs, then the manifest
//   write_manifests          Kubernetes manifests pinned to the pushed digest
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "builder/build.h"
#include "cache/cache_dir.h"
#include "cache/layer_cache.h"
#include "layers/blob_store.h"
#include "registry/background_push.h"
#include "registry/blob_source.h"
#include "registry/stream_upload.h"

namespace stowage::builder::steps {

// The cache as the steps use it: its directory, its blob store and its layer records.
struct Cache {
  explicit Cache(cache::CacheDir d)
      : dir(std::move(d)), blobs(dir.blob_store()), layers(dir, blobs) {}
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  cache::CacheDir dir;
  layers::BlobStore blobs;
  cache::LayerCache layers;
};

// What every step reads.
struct BuildContext {
  const BuildOptions& options;
  registry::Client& client;
  const Cache& cache;
  std::function<void(const std::string&)> say;  // one progress line; never empty
};

// The compression of a layer: `algorithm`, on `threads` zstd workers.
layers::CompressionOptions compression_for(layers::Compression algorithm, int threads);
// The tar settings of every layer a build writes. Layer keys are computed with the same
// settings (prepare), so a cached layer is one this build would write.
layers::TarOptions tar_options();

// Throws InputError for deploy settings that would fail once the image is pushed.
void check_manifest_settings(const BuildOptions& options, const PreparedBuild& prepared);

// The layers to produce: the prepared plan, then the meta layer describing the build.
std::vector<PlannedLayer> add_meta_layer(const BuildContext& context, const PreparedBuild& prepared,
                                         const std::string& revision);

// With --push: every blob goes to the registry as soon as it exists, so uploads overlap the
// building of the layers after it (docs/performance.md).
class PushSession {
 public:
  // Starts pushing the base's layers to options.push.
  PushSession(const BuildContext& context, const PreparedBuild& prepared);

  // Queues a blob that is in the cache.
  void add(const layers::Descriptor& blob);
  // Decides, once, from the sizes of the layers about to be built, whether big ones stream.
  void plan_streaming(const std::vector<std::int64_t>& layer_bytes);
  // Whether a layer of `bytes` streams to the registry while it is built.
  bool streams(std::int64_t bytes) const;
  // An upload session for a streamed layer; hand it back with add_streamed() once built.
  std::unique_ptr<registry::StreamingUpload> open_stream();
  // Queues a built layer whose bytes were streamed (or, when the stream failed, uploads it).
  void add_streamed(registry::StreamingUpload& stream, const layers::Descriptor& blob);
  // Threads that may wait on streamed layers: the push parallelism.
  int stream_threads() const;

  // Waits for every queued blob, then pushes the manifest: the tag never points at a partial
  // image.
  registry::PushReport finish(const BuildResult& result);

 private:
  const BuildContext& context_;
  registry::Reference target_;
  std::vector<std::shared_ptr<registry::BlobSource>> sources_;
  registry::BackgroundPush background_;
  bool stream_big_layers_ = false;
};

// Each plan entry's layer, built now or found in the cache.
struct BuiltLayers {
  std::vector<layers::LayerResult> results;  // one per plan entry
  std::vector<bool> built;                   // true where built by this build
};

// Builds every layer of `plan` that the cache does not hold, biggest first, on
// options.threads threads, and records them in the cache. With `push`, each layer is queued
// for upload as soon as it exists.
BuiltLayers build_layers(const BuildContext& context, const PreparedBuild& prepared,
                         const std::vector<PlannedLayer>& plan, PushSession* push);

// The image config and manifest, stored in the blob store; `result` gains them and the layer
// reports (base first). Returns the manifest.
layers::Manifest assemble_image(const BuildContext& context, const PreparedBuild& prepared,
                                const std::vector<PlannedLayer>& plan, const BuiltLayers& built,
                                const std::string& revision, BuildResult& result);

// Appends the build to the recipe's history in the cache.
void record_history(const BuildContext& context, const layers::Manifest& manifest,
                    const BuildResult& result);

// Writes the image to the OCI layout at options.output and tags it; a registry base's layers
// are downloaded for this, once.
void export_layout(const BuildContext& context, const PreparedBuild& prepared,
                   const layers::Manifest& manifest, BuildResult& result);

// Writes the Kubernetes manifests for the pushed image into options.manifests.
void write_manifests(const BuildContext& context, const PreparedBuild& prepared,
                     const layers::Manifest& manifest, BuildResult& result);

}  // namespace stowage::builder::steps
