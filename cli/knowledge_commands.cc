#include <fmt/format.h>

#include <memory>

#include "cli/commands.h"
#include "knowledge/knowledge.h"
#include "knowledge/knowledge_report.h"
#include "recipes/recipe.h"

namespace stowage::cli {

void add_frameworks_command(CLI::App& app, GlobalFlags& global) {
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("frameworks",
                                 "List the frameworks, versions and CUDA builds "
                                 "stowage knows");
  cmd->add_option("name", *name, "Only this framework (pytorch, tensorflow, jax, onnxruntime)");
  cmd->add_flag("--json", global.json, "Print as JSON");
  cmd->callback([name, &global] {
    const auto& kb = knowledge::KnowledgeBase::builtin();
    if (global.json) {
      fmt::print("{}\n", knowledge::frameworks_json(kb, *name).dump(2));
    } else {
      fmt::print("{}", knowledge::frameworks_text(kb, *name));
    }
  });
}

void add_doctor_command(CLI::App& app, GlobalFlags& global) {
  auto recipe = std::make_shared<std::string>("stowage.yaml");
  auto* cmd = app.add_subcommand(
      "doctor", "Resolve a recipe's framework, CUDA and Python, and what nodes it needs");
  cmd->add_option("recipe", *recipe, "Recipe file")->capture_default_str();
  cmd->add_flag("--json", global.json, "Print as JSON");
  cmd->callback([recipe, &global] {
    auto resolution = knowledge::KnowledgeBase::builtin().resolve(recipes::load_recipe(*recipe));
    if (global.json) {
      fmt::print("{}\n", knowledge::doctor_json(resolution).dump(2));
    } else {
      fmt::print("{}", knowledge::doctor_text(resolution));
    }
  });
}

}  // namespace stowage::cli
