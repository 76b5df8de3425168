// Step: push. Started before the layers are built and finished after the image is assembled,
// so uploads overlap the build; the manifest goes last.
#include "registry/push.h"

#include <algorithm>

#include "builder/defaults.h"
#include "builder/steps/steps.h"

namespace stowage::builder::steps {

namespace {

// Blobs come from the cache, and a registry base's layers from the base's repository (mounted
// or streamed across, never downloaded).
std::vector<std::shared_ptr<registry::BlobSource>> push_sources(const BuildContext& context,
                                                                const PreparedBuild& prepared) {
  std::vector<std::shared_ptr<registry::BlobSource>> sources;
  sources.push_back(std::make_shared<registry::LocalBlobSource>(context.cache.blobs));
  if (prepared.base.remote) {
    sources.push_back(
        std::make_shared<registry::RegistryBlobSource>(context.client, *prepared.base.remote));
  }
  return sources;
}

}  // namespace

PushSession::PushSession(const BuildContext& context, const PreparedBuild& prepared)
    : context_(context),
      target_(registry::Reference::parse(context.options.push)),
      sources_(push_sources(context, prepared)),
      background_(context.client, target_, sources_, context.options.push_options) {
  for (const auto& l : prepared.base.layers)
    background_.add(l);
}

void PushSession::add(const layers::Descriptor& blob) {
  background_.add(blob);
}

// Big layers stream while they are built when the registry cannot hold them yet: the
// repository is new, so there is no HEAD to skip them by. Not with --chunk-size: a streamed
// PATCH has no size limit. The registry is asked only when there is a big layer to build (a
// warm rebuild has none), so that such a rebuild does not pay for the question.
void PushSession::plan_streaming(const std::vector<std::int64_t>& layer_bytes) {
  stream_big_layers_ =
      context_.options.push_options.chunk_size == 0 &&
      std::any_of(layer_bytes.begin(), layer_bytes.end(),
                  [](std::int64_t bytes) { return bytes >= kStreamedLayerBytes; }) &&
      registry::repository_is_new(context_.client, target_);
}

bool PushSession::streams(std::int64_t bytes) const {
  return stream_big_layers_ && bytes >= kStreamedLayerBytes;
}

std::unique_ptr<registry::StreamingUpload> PushSession::open_stream() {
  return std::make_unique<registry::StreamingUpload>(context_.client, target_);
}

void PushSession::add_streamed(registry::StreamingUpload& stream, const layers::Descriptor& blob) {
  if (auto streamed = stream.commit(blob)) {
    background_.add_pushed(*streamed);
  } else {
    background_.add(blob);
  }
}

int PushSession::stream_threads() const {
  return std::max(1, context_.options.push_options.parallelism);
}

registry::PushReport PushSession::finish(const BuildResult& result) {
  context_.say("pushing " + target_.str());
  auto pushed_ahead = background_.finish();
  return registry::push_image(context_.client, target_, {result.manifest_json, result.config_json},
                              sources_, context_.options.push_options, pushed_ahead);
}

}  // namespace stowage::builder::steps
