// What each layer of a build's image is called: the one source of the descriptions that key
// the build history (cache/build_history.h). `stowage build` records them and `stowage plan`
// matches them against past builds, so they must not change: a changed description is a new
// layer to every history already on disk.
#pragma once

#include <string>
#include <vector>

#include "builder/build.h"
#include "recipes/layer_class.h"

namespace stowage::builder {

struct LayerName {
  recipes::LayerClass layer_class = recipes::LayerClass::base;
  std::string description;  // "base: python:3.11-slim (1/4)", "code (12 files)", …
};

// Every layer of `prepared`'s image, lowest first: the base's layers ("base: <base> (i/n)"),
// the planned layers (named by the planner), then the meta layer.
std::vector<LayerName> layer_names(const PreparedBuild& prepared);

}  // namespace stowage::builder
