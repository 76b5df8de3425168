#include "builder/layer_names.h"

namespace stowage::builder {

std::vector<LayerName> layer_names(const PreparedBuild& prepared) {
  std::vector<LayerName> names;
  const std::size_t base_layers = prepared.base.layers.size();
  for (std::size_t i = 0; i < base_layers; ++i) {
    names.push_back({recipes::LayerClass::base, "base: " + prepared.base.description + " (" +
                                                    std::to_string(i + 1) + "/" +
                                                    std::to_string(base_layers) + ")"});
  }
  for (const auto& layer : prepared.plan)
    names.push_back({layer.layer_class, layer.description});
  names.push_back({recipes::LayerClass::meta, "meta: /etc/stowage/build.json"});
  return names;
}

}  // namespace stowage::builder
