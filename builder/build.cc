#include "builder/build.h"

#include "builder/source_revision.h"
#include "builder/steps/steps.h"

namespace stowage::builder {

BuildResult build(const BuildOptions& options) {
  registry::Client client(options.registry);
  const PreparedBuild prepared = prepare(options, client);
  steps::check_manifest_settings(options, prepared);
  const steps::Cache cache(cache::CacheDir::at_or_default(options.cache_dir));
  cache.dir.remove_stale_temporaries();
  const steps::BuildContext context{options, client, cache, [&](const std::string& line) {
                                      if (options.progress)
                                        options.progress(line);
                                    }};
  // The checked-out revision goes into the meta layer and the manifest's annotations.
  const std::string revision = git_revision(prepared.recipe.dir);
  const std::vector<PlannedLayer> plan = steps::add_meta_layer(context, prepared, revision);

  std::optional<steps::PushSession> push;
  if (!options.push.empty())
    push.emplace(context, prepared);
  const steps::BuiltLayers built =
      steps::build_layers(context, prepared, plan, push ? &*push : nullptr);

  BuildResult result;
  const layers::Manifest manifest =
      steps::assemble_image(context, prepared, plan, built, revision, result);
  steps::record_history(context, manifest, result);
  if (!options.output.empty())
    steps::export_layout(context, prepared, manifest, result);
  if (push) {
    result.push = push->finish(result);
    if (!options.manifests.empty())
      steps::write_manifests(context, prepared, manifest, result);
  }
  return result;
}

}  // namespace stowage::builder
