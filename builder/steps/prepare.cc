// Step: prepare. The recipe, the base image, the content and the plan, checked before any
// layer is built; writes nothing but the cache.
#include "builder/build.h"
#include "builder/entrypoint_check.h"
#include "builder/layer_key.h"
#include "builder/python_content.h"
#include "builder/secret_env.h"
#include "builder/steps/steps.h"
#include "core/printable.h"

namespace stowage::builder {

namespace {

// The recipe's model, code and Python content, with the entrypoint checked against it.
std::vector<ContentItem> collect_content(const BuildOptions& options, const PreparedBuild& p,
                                         const steps::Cache& cache) {
  // The build's own outputs and cache never go into the image, even inside a source tree.
  auto content =
      collect_recipe_content(p.recipe, {options.output, options.manifests, cache.dir.root()});
  for (const auto& warning : secret_file_warnings(p.recipe, content))
    print_warning(warning);
  PythonContentOptions python;
  python.wheel_downloads = cache.dir.wheel_downloads();
  python.verified_wheels = cache.dir.verified_wheels();
  python.base_python_probes = cache.dir.base_python_probes();
  python.platform = options.platform;
  python.progress = options.progress;
  // Warnings quote wheel and file names and what an index said: print_warning() escapes them.
  python.warn = print_warning;
  auto packages = python_content(p.recipe, p.base, cache.blobs, python);
  content.insert(content.end(), std::make_move_iterator(packages.begin()),
                 std::make_move_iterator(packages.end()));
  // serve.command must name an executable in the image (builder/entrypoint_check.h).
  auto entrypoint =
      check_entrypoint(p.recipe, p.base, content, cache.blobs, cache.dir.entrypoint_indexes());
  if (!entrypoint.warning.empty())
    print_warning(entrypoint.warning);
  return content;
}

}  // namespace

PreparedBuild prepare(const BuildOptions& options, registry::Client& client) {
  PreparedBuild p;
  p.recipe = recipes::load_recipe(options.recipe);
  // A secret in env, labels or serve.command would be published (builder/secret_env.h).
  for (const auto& warning : recipe_secret_warnings(p.recipe))
    print_warning(warning);
  // Refuse impossible combinations before any work; this also settles the default base.
  p.resolution = knowledge::KnowledgeBase::builtin().resolve(p.recipe);
  // A bad push target is bad input: refuse it before any work.
  if (!options.push.empty())
    registry::Reference::parse(options.push);
  steps::Cache cache(cache::CacheDir::at_or_default(options.cache_dir));
  auto base_compression = steps::compression_for(
      options.compression.value_or(layers::Compression::zstd), options.threads);
  p.base = resolve_base(p.recipe, p.resolution, options.platform, cache.blobs, cache.layers,
                        base_compression, client);

  PlanOptions plan_options;
  plan_options.own_layer_threshold = p.recipe.layering.own_layer_threshold;
  plan_options.budget = p.recipe.layering.budget;
  plan_options.base_layers = static_cast<int>(p.base.layers.size());
  plan_options.forced_compression = options.compression;
  p.plan = plan_layers(collect_content(options, p, cache), plan_options);

  const auto tar = steps::tar_options();
  for (const auto& layer : p.plan) {
    auto key = layer_key(layer, steps::compression_for(layer.compression, options.threads), tar);
    p.cached.push_back(cache.layers.find(key).has_value());
    p.cache_keys.push_back(std::move(key));
  }
  return p;
}

}  // namespace stowage::builder
