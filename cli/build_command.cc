#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "builder/build.h"
#include "cache/cache_dir.h"
#include "cli/commands.h"
#include "cli/flag_limits.h"
#include "cli/registry_flags.h"
#include "cli/report.h"
#include "core/error.h"
#include "recipes/layer_class.h"

namespace stowage::cli {
namespace {

struct BuildFlags {
  std::string recipe = "stowage.yaml";
  std::string output;  // default: stowage-out/image unless pushing
  std::string tag = "latest";
  std::string cache;
  std::string compression = "auto";
  std::string platform = "linux/amd64";
  int threads = 0;
  std::string push;
  std::string manifests;
  std::string format = "yaml";
  bool force = false;
  std::int64_t chunk_size = 0;
  RegistryFlags registry;
};

nlohmann::json result_json(const builder::BuildResult& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"class", recipes::layer_class_name(l.layer_class)},
                      {"description", l.description},
                      {"mediaType", l.descriptor.media_type},
                      {"digest", l.descriptor.digest.str()},
                      {"size", l.descriptor.size},
                      {"diffID", l.diff_id.str()},
                      {"files", l.files},
                      {"bytes", l.bytes},
                      {"cached", l.cached}});
  }
  nlohmann::json j = {{"manifest",
                       {{"mediaType", r.manifest.media_type},
                        {"digest", r.manifest.digest.str()},
                        {"size", r.manifest.size}}},
                      {"layers", layers},
                      {"bytesRead", r.bytes_read}};
  if (!r.layout.empty()) {
    j["layout"] = r.layout.string();
    j["tag"] = r.tag;
  }
  if (r.push)
    j["push"] = nlohmann::json::parse(registry::to_json(*r.push));
  if (!r.manifest_files.empty())
    j["manifests"] = r.manifest_files;
  return j;
}

void run_build(const BuildFlags& f, const GlobalFlags& g) {
  check_layout_tag("--tag", f.tag);
  check_threads(f.threads);
  check_chunk_size(f.chunk_size);
  builder::BuildOptions options;
  options.recipe = f.recipe;
  // Pushing alone writes no layout, so a registry base's layers are never downloaded.
  options.output = !f.output.empty() ? f.output : f.push.empty() ? "stowage-out/image" : "";
  options.push = f.push;
  if (g.json)
    check_json_text("--output", options.output.string());
  if (!f.manifests.empty() && f.push.empty()) {
    throw InputError("--manifests needs --push",
                     "manifests pin the pushed image by digest; "
                     "for an image pushed earlier use `stowage manifests --image REF@sha256:…`");
  }
  if (!f.push.empty())
    options.manifests = f.manifests.empty() ? "stowage-out/k8s" : f.manifests;
  options.manifests_format = kube::parse_format(f.format);
  options.force_manifests = f.force;
  options.registry = client_options(f.registry);
  options.push_options.chunk_size = f.chunk_size;
  options.push_options.progress = upload_progress_printer(g.progress);
  options.tag = f.tag;
  options.cache_dir = f.cache;
  if (f.compression != "auto")
    options.compression = layers::parse_compression(f.compression);
  options.platform = layers::Platform::parse(f.platform);
  options.threads = f.threads;
  options.progress = progress_printer(g.progress);
  builder::BuildResult r = builder::build(options);
  if (g.json) {
    fmt::print("{}\n", result_json(r).dump(2));
    return;
  }
  std::size_t built = 0;
  for (const auto& l : r.layers)
    built += l.cached ? 0 : 1;
  fmt::print("built {} ({} layers, {} rebuilt, {} read)\n", r.manifest.digest.str(),
             r.layers.size(), built, human_bytes(r.bytes_read));
  if (!r.layout.empty())
    fmt::print("oci:{}:{}\n", r.layout.string(), r.tag);
  if (r.push) {
    std::int64_t mounted = 0, present = 0;
    for (const auto& b : r.push->blobs) {
      mounted += b.outcome == registry::BlobOutcome::mounted ? 1 : 0;
      present += b.outcome == registry::BlobOutcome::present ? 1 : 0;
    }
    fmt::print(stderr, "stowage: pushed {} uploaded, {} blobs already present, {} mounted\n",
               human_bytes(r.push->bytes_uploaded()), present, mounted);
    if (!r.manifest_files.empty()) {
      fmt::print(stderr, "stowage: wrote {} Kubernetes manifests to {} (kubectl apply -k {})\n",
                 r.manifest_files.size(), f.manifests.empty() ? "stowage-out/k8s" : f.manifests,
                 f.manifests.empty() ? "stowage-out/k8s" : f.manifests);
    }
    // The contract: the pinned reference is the last line of stdout.
    fmt::print("{}\n", r.push->reference.str());
  }
}

}  // namespace

void add_build_command(CLI::App& app, GlobalFlags& global) {
  auto flags = std::make_shared<BuildFlags>();
  auto* cmd = app.add_subcommand("build", "Build the image a recipe describes");
  cmd->add_option("recipe", flags->recipe, "Recipe file")->capture_default_str();
  cmd->add_option("--output", flags->output,
                  "OCI image layout to write (default: stowage-out/image, or none with --push)");
  cmd->add_option("--tag", flags->tag, "Ref name of the image in the layout")
      ->capture_default_str();
  cmd->add_option("--cache", flags->cache,
                  "Cache directory (default: " + std::string(cache::kDefaultCacheDirOrder) + ")");
  cmd->add_option("--compression", flags->compression, "zstd, gzip, none or auto")
      ->check(CLI::IsMember({"auto", "zstd", "gzip", "none"}))
      ->capture_default_str();
  cmd->add_option("--platform", flags->platform, "Target platform")->capture_default_str();
  cmd->add_option("--threads", flags->threads, "Worker threads (0: one per core; at most 256)");
  cmd->add_option("--push", flags->push, "Push the image to this reference (REPO[:TAG])");
  cmd->add_option("--manifests", flags->manifests,
                  "With --push: write Kubernetes manifests here (default: stowage-out/k8s)");
  cmd->add_option("--format", flags->format, "Manifest format: yaml or json")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  cmd->add_flag("--force", flags->force,
                "Overwrite files in the --manifests directory that stowage did not write");
  cmd->add_option("--chunk-size", flags->chunk_size,
                  "Upload blobs in requests of at most this many bytes (0: one request; "
                  "else at least 1 MiB)");
  add_registry_flags(cmd, flags->registry);
  cmd->add_flag("--json", global.json, "Print the result as JSON");
  cmd->add_flag("--progress", global.progress, "Print progress to stderr even when not a TTY");
  cmd->callback([flags, &global] { run_build(*flags, global); });
}

}  // namespace stowage::cli
