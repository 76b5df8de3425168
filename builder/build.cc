#include "builder/build.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cache/build_history.h"
#include "builder/deploy_manifests.h"
#include "builder/entrypoint_check.h"
#include "builder/image_env.h"
#include "builder/layer_key.h"
#include "cache/layer_cache.h"
#include "builder/secret_env.h"
#include "builder/source_revision.h"
#include "builder/python_content.h"
#include "core/error.h"
#include "core/file.h"
#include "layers/layer_writer.h"
#include "layers/media_type.h"
#include "layers/oci_layout.h"
#include "registry/background_push.h"
#include "registry/blob_source.h"
#include "registry/pull.h"
#include "registry/stream_upload.h"

namespace stowage::builder {
namespace fs = std::filesystem;
using recipes::LayerClass;

namespace {

constexpr std::string_view kAnnotationPrefix = "dev.stowage.";

struct CacheLayout {
  fs::path root;
  layers::BlobStore blobs;
  cache::LayerCache layers;
  explicit CacheLayout(const fs::path& dir)
      : root(dir), blobs(dir), layers(dir / "layers", blobs) {}
};

// A killed build leaves "*.tmp-<pid>-…" files and directories anywhere it writes in the cache:
// blobs, layer records, installed wheels, probes. Those of dead processes are removed from the
// cache's first two levels of directories, where all of them live (found by
// tests/hardening/kill_test.cc: layer records were left behind).
void remove_stale_cache_temporaries(const fs::path& root) {
  std::vector<fs::path> dirs{root};
  std::error_code ec;
  for (std::size_t level = 0, begin = 0; level < 2; ++level) {
    std::size_t end = dirs.size();
    for (std::size_t i = begin; i < end; ++i) {
      for (fs::directory_iterator it(dirs[i], ec), last; !ec && it != last; it.increment(ec)) {
        if (it->is_directory(ec) && !is_temporary_name(it->path().filename().string()))
          dirs.push_back(it->path());
      }
    }
    begin = end;
  }
  for (const auto& dir : dirs)
    remove_stale_temporaries(dir);
}

fs::path cache_root(const BuildOptions& options) {
  return options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
}

layers::CompressionOptions compression_for(layers::Compression algorithm, int threads) {
  layers::CompressionOptions c;
  c.algorithm = algorithm;
  c.threads = threads;
  return c;
}

layers::TarOptions tar_options() {
  layers::TarOptions tar;
  tar.mtime = layers::source_date_epoch();
  return tar;
}

// The meta layer's only file: what was built from what. It changes when the recipe or the
// checked-out revision changes, not when content does (the config already lists diffIDs).
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

PlannedLayer meta_layer(std::string info, layers::Compression compression) {
  PlannedLayer layer;
  layer.layer_class = LayerClass::meta;
  layer.description = "meta: /etc/stowage/build.json";
  for (const char* dir : {"etc", "etc/stowage"}) {
    ContentItem d;
    d.layer_class = LayerClass::meta;
    d.entry.type = layers::TarEntry::Type::directory;
    d.entry.path = dir;
    d.entry.mode = 0755;
    layer.items.push_back(d);
  }
  ContentItem f;
  f.layer_class = LayerClass::meta;
  f.entry.path = "etc/stowage/build.json";
  f.entry.size = static_cast<std::int64_t>(info.size());
  f.entry.content = std::move(info);
  f.entry.mode = 0644;
  layer.items.push_back(f);
  layer.files = 1;
  layer.bytes = f.entry.size;
  layer.compression = compression;
  return layer;
}

layers::LayerResult write_layer(const layers::BlobStore& blobs, const PlannedLayer& layer,
                                const layers::CompressionOptions& compression,
                                const layers::TarOptions& tar, layers::ByteSink* tap = nullptr) {
  layers::LayerWriter writer(blobs, compression, tar, tap);
  for (const auto& item : layer.items)
    writer.add(item.entry);
  return writer.finish();
}

// Builds the layers at `todo` indexes of `plan` on up to `threads` threads. The first error
// is rethrown after every worker has stopped.
void build_parallel(const std::vector<std::size_t>& todo, int threads,
                    const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto worker = [&] {
    for (std::size_t i = next++; i < todo.size(); i = next++) {
      try {
        work(todo[i]);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure)
          failure = std::current_exception();
        next = todo.size();
      }
    }
  };
  std::size_t n = std::min<std::size_t>(todo.size(), static_cast<std::size_t>(threads));
  {
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < n; ++t)
      pool.emplace_back(worker);
    worker();
  }
  if (failure)
    std::rethrow_exception(failure);
}

int effective_threads(int requested) {
  if (requested > 0)
    return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Copies the image's blobs into a layout at `dir` and tags it. A new layout is assembled under
// a temporary name and renamed into place, so it appears whole or not at all.
void export_layout(const fs::path& dir, const std::string& tag, const layers::BlobStore& from,
                   const std::vector<layers::Digest>& blobs, const layers::Descriptor& manifest) {
  bool fresh = !fs::exists(dir);
  fs::path target = dir;
  if (fresh) {
    fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    fs::create_directories(parent);
    remove_stale_temporaries(parent, dir.filename().string());
    target = temporary_sibling(dir);
    fs::remove_all(target);
  }
  try {
    auto layout = fresh ? layers::OciLayout::open_or_create(target) : layers::OciLayout::open(dir);
    for (const auto& d : blobs)
      layout.blobs().import_from(from, d);
    layout.tag(manifest, tag);
    if (fresh)
      fs::rename(target, dir);
  } catch (...) {
    if (fresh) {
      std::error_code ec;
      fs::remove_all(target, ec);
    }
    throw;
  }
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* env = std::getenv("STOWAGE_CACHE"); env != nullptr && *env != '\0')
    return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "stowage";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "stowage";
  }
  throw InputError("no cache directory: HOME is not set", "pass --cache DIR or set STOWAGE_CACHE");
}

PreparedBuild prepare(const BuildOptions& options, registry::Client& client) {
  PreparedBuild p;
  p.recipe = recipes::load_recipe(options.recipe);
  // Hardening: a secret in env, labels or serve.command would be published (builder/secret_env.h).
  for (const auto& warning : recipe_secret_warnings(p.recipe))
    std::fprintf(stderr, "stowage: warning: %s\n", warning.c_str());
  // Refuse impossible combinations before any work; this also settles the default base.
  p.resolution = knowledge::KnowledgeBase::builtin().resolve(p.recipe);
  // A bad push target is bad input: refuse it before any work.
  if (!options.push.empty())
    registry::Reference::parse(options.push);
  CacheLayout cache(cache_root(options));
  auto base_compression =
      compression_for(options.compression.value_or(layers::Compression::zstd), options.threads);
  p.base = resolve_base(p.recipe, p.resolution, options.platform, cache.blobs, cache.layers,
                        base_compression, client);

  PlanOptions plan_options;
  plan_options.own_layer_threshold = p.recipe.layering.own_layer_threshold;
  plan_options.budget = p.recipe.layering.budget;
  plan_options.base_layers = static_cast<int>(p.base.layers.size());
  plan_options.forced_compression = options.compression;
  auto content = collect_recipe_content(p.recipe, {options.output, options.manifests, cache.root});
  for (const auto& warning : secret_file_warnings(p.recipe, content))
    std::fprintf(stderr, "stowage: warning: %s\n", warning.c_str());
  // Python wheels from the lock (python/), installed into the cache.
  PythonContentOptions python;
  python.cache_dir = cache.root;
  python.platform = options.platform;
  python.progress = options.progress;
  python.warn = [](const std::string& w) {
    std::fprintf(stderr, "stowage: warning: %s\n", w.c_str());
  };
  auto packages = python_content(p.recipe, p.base, cache.blobs, python);
  content.insert(content.end(), std::make_move_iterator(packages.begin()),
                 std::make_move_iterator(packages.end()));
  // serve.command must name an executable in the image (builder/entrypoint_check.h).
  auto entrypoint = check_entrypoint(p.recipe, p.base, content, cache.blobs, cache.root);
  if (!entrypoint.warning.empty())
    python.warn(entrypoint.warning);
  p.plan = plan_layers(std::move(content), plan_options);

  auto tar = tar_options();
  for (const auto& layer : p.plan) {
    auto key = layer_key(layer, compression_for(layer.compression, options.threads), tar);
    p.cached.push_back(cache.layers.find(key).has_value());
    p.cache_keys.push_back(std::move(key));
  }
  return p;
}

BuildResult build(const BuildOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress)
      options.progress(line);
  };
  registry::Client client(options.registry);
  PreparedBuild prepared = prepare(options, client);
  if (!options.push.empty() && !options.manifests.empty()) {
    // Bad deploy settings are refused now, not after minutes of building and pushing.
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
  CacheLayout cache(cache_root(options));
  remove_stale_cache_temporaries(cache.root);
  const int threads = effective_threads(options.threads);
  auto tar = tar_options();

  // The checked-out revision goes into the meta layer and the manifest's annotations.
  const std::string revision = git_revision(prepared.recipe.dir);
  std::vector<PlannedLayer> plan = prepared.plan;
  plan.push_back(meta_layer(build_info(prepared, revision),
                            options.compression.value_or(layers::Compression::zstd)));

  std::vector<std::optional<layers::LayerResult>> results(plan.size());
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (i < prepared.cache_keys.size())
      results[i] = cache.layers.find(prepared.cache_keys[i]);
    if (!results[i])
      todo.push_back(i);
  }
  // Big layers first so that the longest job starts earliest.
  std::stable_sort(todo.begin(), todo.end(),
                   [&](std::size_t a, std::size_t b) { return plan[a].bytes > plan[b].bytes; });
  // zstd's own workers share the cores with the layer builders. Small layers (the meta layer,
  // a code tree) are done in a moment, so only layers of at least 1 MiB count: a build with one
  // big layer gives it every core.
  auto heavy = std::count_if(todo.begin(), todo.end(),
                             [&](std::size_t i) { return plan[i].bytes >= (1 << 20); });
  int zstd_threads = std::max(1, threads / std::max<int>(1, static_cast<int>(heavy)));

  // When pushing, every layer goes to the registry as soon as its blob exists, so uploads
  // overlap the building of the layers after it (docs/performance.md).
  std::optional<registry::Reference> push_target;
  std::vector<std::shared_ptr<registry::BlobSource>> push_sources;
  std::optional<registry::BackgroundPush> background;
  if (!options.push.empty()) {
    push_target = registry::Reference::parse(options.push);
    push_sources.push_back(std::make_shared<registry::LocalBlobSource>(cache.blobs));
    if (prepared.base.remote) {
      push_sources.push_back(
          std::make_shared<registry::RegistryBlobSource>(client, *prepared.base.remote));
    }
    background.emplace(client, *push_target, push_sources, options.push_options);
    for (const auto& l : prepared.base.layers)
      background->add(l);
    for (const auto& r : results) {
      if (r)
        background->add(r->descriptor);
    }
  }
  // Big layers even stream while they are built, when the registry cannot hold them yet: the
  // repository is new, so there is no HEAD to skip them by. Not with --chunk-size: a streamed
  // PATCH has no size limit. The registry is asked only when there is a big layer to build (a
  // warm rebuild has none), so that such a rebuild does not pay for the question.
  constexpr std::int64_t kStreamedLayerBytes = 64 << 20;
  const bool stream_big_layers =
      background && options.push_options.chunk_size == 0 &&
      std::any_of(todo.begin(), todo.end(),
                  [&](std::size_t i) { return plan[i].bytes >= kStreamedLayerBytes; }) &&
      registry::repository_is_new(client, *push_target);

  auto streams = [&](std::size_t i) {
    return stream_big_layers && plan[i].bytes >= kStreamedLayerBytes;
  };

  std::mutex say_mutex;
  auto build_layer = [&](std::size_t i) {
    {
      std::lock_guard lock(say_mutex);
      say("building layer " + std::to_string(prepared.base.layers.size() + i + 1) + ": " +
          plan[i].description);
    }
    auto compression = compression_for(plan[i].compression, zstd_threads);
    std::optional<registry::StreamingUpload> stream;
    if (streams(i))
      stream.emplace(client, *push_target);
    results[i] = write_layer(cache.blobs, plan[i], compression, tar, stream ? &*stream : nullptr);
    if (i < prepared.cache_keys.size())
      cache.layers.remember(prepared.cache_keys[i], *results[i]);
    if (background) {
      std::optional<registry::BlobReport> streamed;
      if (stream)
        streamed = stream->commit(results[i]->descriptor);
      if (streamed) {
        background->add_pushed(*streamed);
      } else {
        background->add(results[i]->descriptor);
      }
    }
  };
  // A streamed layer waits on the registry most of the time, so it gets a thread of its own
  // (up to the push parallelism) instead of holding one of the CPU-bound builders: compressing
  // the other layers goes on meanwhile.
  std::vector<std::size_t> streamed;
  std::vector<std::size_t> pooled;
  for (std::size_t i : todo)
    (streams(i) ? streamed : pooled).push_back(i);
  std::exception_ptr streamed_failure;
  {
    std::jthread streaming([&] {
      try {
        build_parallel(streamed, std::max(1, options.push_options.parallelism), build_layer);
      } catch (...) {
        streamed_failure = std::current_exception();
      }
    });
    build_parallel(pooled, threads, build_layer);
  }
  if (streamed_failure)
    std::rethrow_exception(streamed_failure);

  BuildResult result;
  layers::ImageConfig config = prepared.base.config;
  config.platform = options.platform;
  config.created = layers::rfc3339(tar.mtime);
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

  layers::Manifest manifest;
  manifest.media_type = std::string(layers::media_type::kOciManifest);
  for (std::size_t i = 0; i < prepared.base.layers.size(); ++i) {
    LayerReport report;
    report.description = "base: " + prepared.base.description + " (" + std::to_string(i + 1) + "/" +
                         std::to_string(prepared.base.layers.size()) + ")";
    report.descriptor = prepared.base.layers[i];
    report.diff_id = prepared.base.config.diff_ids[i];
    report.cached = true;
    result.layers.push_back(report);
    manifest.layers.push_back(prepared.base.layers[i]);
  }
  layers::Sha256 model_digest;
  bool has_model = false;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const auto& layer_result = *results[i];
    config.diff_ids.push_back(layer_result.diff_id);
    layers::HistoryEntry h;
    h.created = config.created;
    h.created_by = "stowage " + plan[i].description;
    h.comment = std::string(recipes::layer_class_name(plan[i].layer_class));
    config.history.push_back(h);
    manifest.layers.push_back(layer_result.descriptor);
    if (plan[i].layer_class == LayerClass::model) {
      model_digest.update(layer_result.descriptor.digest.str());
      has_model = true;
    }
    bool built = std::find(todo.begin(), todo.end(), i) != todo.end();
    if (built && plan[i].layer_class != LayerClass::meta) {
      result.bytes_read += layer_result.content_bytes_read;
    }
    LayerReport report;
    report.layer_class = plan[i].layer_class;
    report.description = plan[i].description;
    report.descriptor = layer_result.descriptor;
    report.diff_id = layer_result.diff_id;
    report.files = plan[i].files;
    report.bytes = plan[i].bytes;
    report.cached = !built;
    result.layers.push_back(report);
  }

  result.config_json = layers::to_json(config);
  manifest.config.media_type = std::string(layers::media_type::kOciConfig);
  manifest.config.digest = cache.blobs.put(result.config_json);
  manifest.config.size = static_cast<std::int64_t>(result.config_json.size());
  manifest.annotations["org.opencontainers.image.created"] = config.created;
  manifest.annotations["org.opencontainers.image.title"] = r.name;
  if (!revision.empty()) {
    manifest.annotations["org.opencontainers.image.revision"] = revision;
  }
  if (std::string url = git_origin_url(r.dir); !url.empty()) {
    manifest.annotations["org.opencontainers.image.source"] = url;
  }
  const auto& resolved = prepared.resolution;
  if (!resolved.framework.empty()) {
    manifest.annotations[std::string(kAnnotationPrefix) + "framework"] =
        resolved.framework + "==" + resolved.framework_version;
  }
  if (!resolved.cuda.empty()) {
    manifest.annotations[std::string(kAnnotationPrefix) + "cuda"] = resolved.cuda;
  }
  if (has_model) {
    manifest.annotations[std::string(kAnnotationPrefix) + "model.digest"] =
        model_digest.finish().str();
  }
  result.manifest_json = layers::to_json(manifest);
  result.manifest.media_type = manifest.media_type;
  result.manifest.digest = cache.blobs.put(result.manifest_json);
  result.manifest.size = static_cast<std::int64_t>(result.manifest_json.size());
  result.tag = options.tag;

  cache::HistoryBuild record;
  record.time = static_cast<std::int64_t>(std::time(nullptr));
  record.manifest = result.manifest.digest.str();
  record.config = manifest.config.digest.str();
  for (const auto& l : result.layers) {
    record.layers.push_back({std::string(recipes::layer_class_name(l.layer_class)), l.description,
                             l.descriptor.digest.str()});
  }
  cache::BuildHistory(cache.root, options.recipe).record(record);

  if (!options.output.empty()) {
    if (prepared.base.remote) {
      say("fetching the base image's layers for the layout");
      for (const auto& layer : prepared.base.layers) {
        registry::fetch_blob(client, *prepared.base.remote, layer, cache.blobs);
      }
    }
    std::vector<layers::Digest> blobs;
    for (const auto& l : manifest.layers)
      blobs.push_back(l.digest);
    blobs.push_back(manifest.config.digest);
    blobs.push_back(result.manifest.digest);
    say("writing " + options.output.string());
    export_layout(options.output, options.tag, cache.blobs, blobs, result.manifest);
    result.layout = options.output;
  }

  if (background) {
    say("pushing " + push_target->str());
    auto pushed_ahead = background->finish();
    result.push =
        registry::push_image(client, *push_target, {result.manifest_json, result.config_json},
                             push_sources, options.push_options, pushed_ahead);
    if (!options.manifests.empty()) {
      ManifestRequest request;
      request.image = result.push->reference.str();
      for (const auto& l : manifest.layers)
        request.image_bytes += l.size;
      request.model_bytes = 0;
      for (const auto& l : result.layers) {
        if (l.layer_class == LayerClass::model)
          request.model_bytes += l.bytes;
      }
      request.format = options.manifests_format;
      request.dir = options.manifests;
      request.force = options.force_manifests;
      for (const auto& f : write_deploy_manifests(prepared.recipe, prepared.resolution, request)) {
        result.manifest_files.push_back(f.name);
      }
    }
  }
  return result;
}

}  // namespace stowage::builder
