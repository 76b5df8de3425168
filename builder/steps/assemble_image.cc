// Step: assemble the image. The config (the base's, with the recipe's settings and one diffID
// and history entry per added layer) and the manifest (with provenance annotations) are
// stored in the blob store; the build's layer reports are made on the way.
#include "builder/defaults.h"
#include "builder/image_env.h"
#include "builder/layer_names.h"
#include "builder/source_revision.h"
#include "builder/steps/steps.h"
#include "layers/media_type.h"

namespace stowage::builder::steps {

namespace {

// The base's config with the recipe's environment, user, working directory, entrypoint,
// port and labels; layers are added by the caller.
layers::ImageConfig recipe_config(const BuildContext& context, const PreparedBuild& prepared) {
  layers::ImageConfig config = prepared.base.config;
  config.platform = context.options.platform;
  config.created = layers::rfc3339(tar_options().mtime);
  const auto& r = prepared.recipe;
  config.config.env = image_env(config.config.env, r.env);
  if (!r.user.empty())
    config.config.user = r.user;
  if (!r.workdir.empty())
    config.config.working_dir = r.workdir;
  if (!r.serve.command.empty()) {
    config.config.entrypoint = r.serve.command;
    config.config.cmd.clear();  // a base's Cmd would otherwise be appended as arguments
  }
  if (r.serve.port > 0)
    config.config.exposed_ports.insert(std::to_string(r.serve.port) + "/tcp");
  for (const auto& [k, v] : r.labels)
    config.config.labels[k] = v;
  return config;
}

// Where the image came from: OCI annotations, and stowage's own for what the OCI ones lack.
void annotate(const PreparedBuild& prepared, const std::string& revision,
              const std::optional<layers::Digest>& model_digest, layers::Manifest& manifest,
              const std::string& created) {
  auto& a = manifest.annotations;
  a["org.opencontainers.image.created"] = created;
  a["org.opencontainers.image.title"] = prepared.recipe.name;
  if (!revision.empty())
    a["org.opencontainers.image.revision"] = revision;
  if (std::string url = git_origin_url(prepared.recipe.dir); !url.empty())
    a["org.opencontainers.image.source"] = url;
  const auto& resolved = prepared.resolution;
  const std::string prefix(kAnnotationPrefix);
  if (!resolved.framework.empty())
    a[prefix + "framework"] = resolved.framework + "==" + resolved.framework_version;
  if (!resolved.cuda.empty())
    a[prefix + "cuda"] = resolved.cuda;
  if (model_digest)
    a[prefix + "model.digest"] = model_digest->str();
}

}  // namespace

layers::Manifest assemble_image(const BuildContext& context, const PreparedBuild& prepared,
                                const std::vector<PlannedLayer>& plan, const BuiltLayers& built,
                                const std::string& revision, BuildResult& result) {
  const auto names = layer_names(prepared);
  layers::ImageConfig config = recipe_config(context, prepared);
  layers::Manifest manifest;
  manifest.media_type = std::string(layers::media_type::kOciManifest);
  for (std::size_t i = 0; i < prepared.base.layers.size(); ++i) {
    LayerReport report;
    report.description = names[i].description;
    report.descriptor = prepared.base.layers[i];
    report.diff_id = prepared.base.config.diff_ids[i];
    report.cached = true;
    result.layers.push_back(report);
    manifest.layers.push_back(prepared.base.layers[i]);
  }
  layers::Sha256 model_digest;
  bool has_model = false;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& layer = built.results[i];
    config.diff_ids.push_back(layer.diff_id);
    layers::HistoryEntry h;
    h.created = config.created;
    h.created_by = "stowage " + plan[i].description;
    h.comment = std::string(recipes::layer_class_name(plan[i].layer_class));
    config.history.push_back(h);
    manifest.layers.push_back(layer.descriptor);
    if (plan[i].layer_class == recipes::LayerClass::model) {
      model_digest.update(layer.descriptor.digest.str());
      has_model = true;
    }
    if (built.built[i] && plan[i].layer_class != recipes::LayerClass::meta)
      result.bytes_read += layer.content_bytes_read;
    result.layers.push_back({plan[i].layer_class, plan[i].description, layer.descriptor,
                             layer.diff_id, plan[i].files, plan[i].bytes, !built.built[i]});
  }

  result.config_json = layers::to_json(config);
  manifest.config.media_type = std::string(layers::media_type::kOciConfig);
  manifest.config.digest = context.cache.blobs.put(result.config_json);
  manifest.config.size = static_cast<std::int64_t>(result.config_json.size());
  annotate(prepared, revision, has_model ? std::optional(model_digest.finish()) : std::nullopt,
           manifest, config.created);
  result.manifest_json = layers::to_json(manifest);
  result.manifest.media_type = manifest.media_type;
  result.manifest.digest = context.cache.blobs.put(result.manifest_json);
  result.manifest.size = static_cast<std::int64_t>(result.manifest_json.size());
  result.tag = context.options.tag;
  return manifest;
}

}  // namespace stowage::builder::steps
