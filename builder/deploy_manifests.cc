#include "builder/deploy_manifests.h"

#include "builder/content.h"

namespace stowage::builder {

std::vector<kube::ManifestFile> write_deploy_manifests(const recipes::Recipe& recipe,
                                                       const knowledge::Resolution& resolution,
                                                       const ManifestRequest& request) {
  kube::ManifestInputs inputs;
  inputs.image = request.image;
  inputs.image_bytes = request.image_bytes;
  inputs.model_bytes = request.model_bytes;
  if (inputs.model_bytes < 0) {
    inputs.model_bytes = 0;
    for (const auto& item : collect_recipe_content(recipe)) {
      if (item.layer_class == recipes::LayerClass::model &&
          item.entry.type == layers::TarEntry::Type::file) {
        inputs.model_bytes += item.entry.size;
      }
    }
  }
  if (resolution.driver) {
    const auto& d = *resolution.driver;
    inputs.node = kube::node_requirements(
        resolution.cuda, d.toolkit_minimum.empty() ? d.minimum : d.toolkit_minimum);
  }
  return kube::generate_manifests(recipe, inputs, request.format, request.dir, request.force);
}

}  // namespace stowage::builder
