#include <fmt/format.h>

#include <memory>

#include "builder/deploy_manifests.h"
#include "cli/commands.h"
#include "knowledge/knowledge.h"
#include "recipes/recipe.h"

namespace stowage::cli {
namespace {

struct ManifestsFlags {
  std::string recipe = "stowage.yaml";
  std::string image;
  std::string out = "stowage-out/k8s";
  std::string format = "yaml";
  bool force = false;
};

void run_manifests(const ManifestsFlags& f) {
  auto recipe = recipes::load_recipe(f.recipe);
  auto resolution = knowledge::KnowledgeBase::builtin().resolve(recipe);
  builder::ManifestRequest request;
  request.image = f.image;
  request.format = kube::parse_format(f.format);
  request.dir = f.out;
  request.force = f.force;
  auto files = builder::write_deploy_manifests(recipe, resolution, request);
  for (const auto& file : files)
    fmt::print("{}\n", (request.dir / file.name).string());
}

}  // namespace

void add_manifests_command(CLI::App& app) {
  auto flags = std::make_shared<ManifestsFlags>();
  auto* cmd =
      app.add_subcommand("manifests", "Write Kubernetes manifests for an image pushed earlier");
  cmd->add_option("recipe", flags->recipe, "Recipe file")->capture_default_str();
  cmd->add_option("--image", flags->image, "The pushed image, pinned: REPO[:TAG]@sha256:…")
      ->required();
  cmd->add_option("--out", flags->out, "Output directory")->capture_default_str();
  cmd->add_option("--format", flags->format, "yaml or json")
      ->check(CLI::IsMember({"yaml", "json"}))
      ->capture_default_str();
  cmd->add_flag("--force", flags->force,
                "Overwrite files in the output directory that stowage did not write");
  cmd->callback([flags] { run_manifests(*flags); });
}

}  // namespace stowage::cli
