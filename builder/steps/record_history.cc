// Step: record the build in the recipe's history, which `stowage plan` reads to show how
// often each layer changes and `stowage cache prune` reads to know which blobs are in use.
#include <ctime>

#include "builder/steps/steps.h"
#include "cache/build_history.h"

namespace stowage::builder::steps {

void record_history(const BuildContext& context, const layers::Manifest& manifest,
                    const BuildResult& result) {
  cache::HistoryBuild record;
  record.time = static_cast<std::int64_t>(std::time(nullptr));
  record.manifest = result.manifest.digest.str();
  record.config = manifest.config.digest.str();
  // The reports carry layer_names()' descriptions, the ones `stowage plan` looks up.
  for (const auto& l : result.layers) {
    record.layers.push_back({std::string(recipes::layer_class_name(l.layer_class)), l.description,
                             l.descriptor.digest.str()});
  }
  cache::BuildHistory(context.cache.dir, context.options.recipe).record(record);
}

}  // namespace stowage::builder::steps
