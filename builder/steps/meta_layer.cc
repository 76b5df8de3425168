// Step: the meta layer. Its only file, /etc/stowage/build.json, says what was built from
// what; it is planned here rather than by the planner because it describes the plan.
#include <nlohmann/json.hpp>

#include "builder/layer_names.h"
#include "builder/steps/steps.h"
#include "core/file.h"

namespace stowage::builder::steps {

namespace {

// It changes when the recipe or the checked-out revision changes, not when content does (the
// config already lists diffIDs).
std::string build_info(const PreparedBuild& prepared, const std::string& revision) {
  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& l : prepared.plan) {
    layers_json.push_back(
        {{"class", recipes::layer_class_name(l.layer_class)}, {"description", l.description}});
  }
  nlohmann::json info = {
      {"recipe",
       {{"name", prepared.recipe.name},
        {"digest", layers::Digest::of(read_file(prepared.recipe.file)).str()}}},
      {"layers", layers_json},
  };
  if (!revision.empty())
    info["source"] = {{"revision", revision}};
  return info.dump(2) + "\n";
}

ContentItem meta_item(layers::TarEntry entry) {
  ContentItem item;
  item.layer_class = recipes::LayerClass::meta;
  item.entry = std::move(entry);
  return item;
}

}  // namespace

std::vector<PlannedLayer> add_meta_layer(const BuildContext& context, const PreparedBuild& prepared,
                                         const std::string& revision) {
  PlannedLayer layer;
  layer.layer_class = recipes::LayerClass::meta;
  layer.description = layer_names(prepared).back().description;
  for (const char* dir : {"etc", "etc/stowage"}) {
    layers::TarEntry d;
    d.type = layers::TarEntry::Type::directory;
    d.path = dir;
    d.mode = 0755;
    layer.items.push_back(meta_item(std::move(d)));
  }
  std::string info = build_info(prepared, revision);
  layers::TarEntry f;
  f.path = "etc/stowage/build.json";
  f.size = static_cast<std::int64_t>(info.size());
  f.content = std::move(info);
  f.mode = 0644;
  layer.items.push_back(meta_item(std::move(f)));
  layer.files = 1;
  layer.bytes = layer.items.back().entry.size;
  layer.compression = context.options.compression.value_or(layers::Compression::zstd);

  std::vector<PlannedLayer> plan = prepared.plan;
  plan.push_back(std::move(layer));
  return plan;
}

}  // namespace stowage::builder::steps
