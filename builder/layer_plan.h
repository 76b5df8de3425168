// The layer plan: which content goes into which layer, in which order, compressed how.
//
// The planner is the single home of the change-rate rules (docs/layering.md, "Layer classes"):
//   - layers are ordered by class, from base (rarely changes) to meta (every build);
//   - within a class, units at least `own_layer_threshold` bytes get a layer each, largest
//     first; smaller units of the class are bundled into one layer after them. A unit is one
//     item, or all items sharing a ContentItem::group (one wheel), sized by their files;
//   - when base layers + planned layers exceed `budget`, the two smallest layers of one class
//     are merged, repeatedly, choosing the class where that merge moves the fewest bytes;
//   - weights that do not compress (safetensors, .bin, .pt, .gguf …) are stored uncompressed,
//     everything else zstd, unless a compression is forced.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "builder/content.h"
#include "layers/compressor.h"
#include "recipes/layer_class.h"
#include "recipes/recipe.h"

namespace stowage::builder {

struct PlannedLayer {
  recipes::LayerClass layer_class = recipes::LayerClass::code;
  std::string description;         // "model: models/weights.safetensors", "code (12 files)"
  std::vector<ContentItem> items;  // bytewise path order, parents first, parents included
  std::int64_t bytes = 0;          // file content bytes
  std::size_t files = 0;           // regular files
  layers::Compression compression = layers::Compression::zstd;
};

struct PlanOptions {
  std::int64_t own_layer_threshold = recipes::kDefaultOwnLayerThreshold;
  int budget = recipes::kDefaultLayerBudget;
  int base_layers = 0;                                    // layers the base image already has
  bool reserve_meta = true;                               // count the meta layer against the budget
  std::optional<layers::Compression> forced_compression;  // nullopt = auto
};

// Plans `items` (which must not contain duplicate paths). Throws InputError when the budget
// cannot be met even after merging (a base image with too many layers).
std::vector<PlannedLayer> plan_layers(std::vector<ContentItem> items, const PlanOptions& options);

// True for file names whose content is already dense (weights, archives): not worth compressing.
bool is_incompressible_name(std::string_view filename);

}  // namespace stowage::builder
