// Step: Kubernetes manifests pinned to the pushed image's digest. Their settings are checked
// first, before any work, so a bad deploy setting is not found after minutes of pushing.
#include "builder/deploy_manifests.h"
#include "builder/steps/steps.h"

namespace stowage::builder::steps {

void check_manifest_settings(const BuildOptions& options, const PreparedBuild& prepared) {
  if (options.push.empty() || options.manifests.empty())
    return;
  kube::ManifestInputs probe;
  probe.image =
      registry::Reference::parse(options.push).name() + "@" + layers::Digest::of("").str();
  if (prepared.resolution.driver) {
    probe.node =
        kube::node_requirements(prepared.resolution.cuda, prepared.resolution.driver->minimum);
  }
  kube::check_ownership(options.manifests,
                        kube::render_manifests(prepared.recipe, probe, options.manifests_format),
                        options.force_manifests);
}

void write_manifests(const BuildContext& context, const PreparedBuild& prepared,
                     const layers::Manifest& manifest, BuildResult& result) {
  ManifestRequest request;
  request.image = result.push->reference.str();
  for (const auto& l : manifest.layers)
    request.image_bytes += l.size;
  request.model_bytes = 0;
  for (const auto& l : result.layers) {
    if (l.layer_class == recipes::LayerClass::model)
      request.model_bytes += l.bytes;
  }
  request.format = context.options.manifests_format;
  request.dir = context.options.manifests;
  request.force = context.options.force_manifests;
  for (const auto& f : write_deploy_manifests(prepared.recipe, prepared.resolution, request))
    result.manifest_files.push_back(f.name);
}

}  // namespace stowage::builder::steps
