#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "builder/build.h"
#include "builder/layer_names.h"
#include "cache/build_history.h"
#include "cli/commands.h"
#include "cli/flag_limits.h"
#include "cli/registry_flags.h"
#include "cli/report.h"
#include "core/printable.h"
#include "recipes/layer_class.h"

namespace stowage::cli {
namespace {

struct PlanFlags {
  std::string recipe = "stowage.yaml";
  std::string cache;
  std::string compression = "auto";
  std::string platform = "linux/amd64";
  RegistryFlags registry;
};

void run_plan(const PlanFlags& f, const GlobalFlags& g) {
  if (g.json)
    check_json_text("RECIPE", f.recipe);
  builder::BuildOptions options;
  options.recipe = f.recipe;
  options.cache_dir = f.cache;
  if (f.compression != "auto")
    options.compression = layers::parse_compression(f.compression);
  options.platform = layers::Platform::parse(f.platform);
  options.registry = client_options(f.registry);
  registry::Client client(options.registry);
  builder::PreparedBuild p = builder::prepare(options, client);

  // Rows by layer_names(), whose descriptions are the ones build records in the history.
  const auto names = builder::layer_names(p);
  const std::size_t base_layers = p.base.layers.size();
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < names.size(); ++i) {
    nlohmann::json row = {{"layer", i + 1},
                          {"class", recipes::layer_class_name(names[i].layer_class)},
                          {"description", names[i].description}};
    if (i < base_layers) {
      const auto& l = p.base.layers[i];
      row.update({{"files", nullptr},
                  {"bytes", l.size},
                  {"compression", l.media_type},
                  {"status", "base"}});
    } else if (i < base_layers + p.plan.size()) {
      const auto& l = p.plan[i - base_layers];
      row.update({{"files", l.files},
                  {"bytes", l.bytes},
                  {"compression", layers::compression_name(l.compression)},
                  {"status", p.cached[i - base_layers] ? "cached" : "build"}});
    } else {
      row.update({{"files", 1},
                  {"bytes", nullptr},
                  {"compression", layers::compression_name(
                                      options.compression.value_or(layers::Compression::zstd))},
                  {"status", "build"}});
    }
    rows.push_back(std::move(row));
  }
  // How often each layer changed in recent builds, and ordering that defeats the cache.
  auto history =
      cache::BuildHistory(cache::CacheDir::at_or_default(options.cache_dir), options.recipe)
          .builds();
  std::vector<std::string> warnings;
  // The steadiest layer above the current one: a lower layer should change no more often.
  double steadiest_above = 2;
  std::string steadiest_above_name;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    auto churn = cache::BuildHistory::churn(history, (*it)["description"]);
    (*it)["changed"] = churn.changed;
    (*it)["builds"] = churn.comparisons;
    if (churn.comparisons == 0 || (*it)["class"] == "meta")
      continue;
    double rate = static_cast<double>(churn.changed) / churn.comparisons;
    if (rate > steadiest_above + 1e-9) {
      warnings.push_back(fmt::format(
          "layer {} ({}) changed in {} of the last {} builds, more often than a layer above it "
          "({}); consider moving it up with `class:` in the recipe",
          (*it)["layer"].get<int>(), (*it)["description"].get<std::string>(), churn.changed,
          churn.comparisons, steadiest_above_name));
    }
    if (rate < steadiest_above) {
      steadiest_above = rate;
      steadiest_above_name = (*it)["description"].get<std::string>();
    }
  }
  if (g.json) {
    fmt::print("{}\n", nlohmann::json{{"recipe", p.recipe.file.string()},
                                      {"layers", rows},
                                      {"builds", history.size()},
                                      {"warnings", warnings}}
                           .dump(2));
    return;
  }
  fmt::print("{:>3}  {:<12}  {:>6}  {:>10}  {:<11}  {:<6}  {:>7}  {}\n", "#", "CLASS", "FILES",
             "SIZE", "COMPRESSION", "STATUS", "CHANGED", "CONTENT");
  for (const auto& row : rows) {
    std::string files = row["files"].is_null() ? "-" : std::to_string(row["files"].get<int>());
    std::string size = row["bytes"].is_null() ? "-" : human_bytes(row["bytes"].get<std::int64_t>());
    std::string compression = row["compression"].get<std::string>();
    if (auto plus = compression.rfind('+'); plus != std::string::npos) {
      compression = compression.substr(plus + 1);
    } else if (compression.find("layer.v1.tar") != std::string::npos) {
      compression = "none";
    }
    std::string changed =
        row["builds"].get<int>() == 0
            ? "-"
            : fmt::format("{}/{}", row["changed"].get<int>(), row["builds"].get<int>());
    // Descriptions name the recipe's files and wheels, and a base layer's media type is the
    // registry's word: one printable line per layer.
    fmt::print("{:>3}  {:<12}  {:>6}  {:>10}  {:<11}  {:<6}  {:>7}  {}\n", row["layer"].get<int>(),
               row["class"].get<std::string>(), files, size, printable(compression),
               row["status"].get<std::string>(), changed,
               printable(row["description"].get<std::string>()));
  }
  if (!history.empty()) {
    fmt::print(
        "\nCHANGED: builds, of the last {} recorded, in which the layer differed from the "
        "build before.\n",
        history.size());
  }
  for (const auto& w : warnings)
    print_warning(w);
}

}  // namespace

void add_plan_command(CLI::App& app, GlobalFlags& global) {
  auto flags = std::make_shared<PlanFlags>();
  auto* cmd = app.add_subcommand("plan", "Show how a recipe's content will be layered");
  cmd->add_option("recipe", flags->recipe, "Recipe file")->capture_default_str();
  cmd->add_option("--cache", flags->cache, "Cache directory (default: as for build)");
  cmd->add_option("--compression", flags->compression, "zstd, gzip, none or auto")
      ->check(CLI::IsMember({"auto", "zstd", "gzip", "none"}))
      ->capture_default_str();
  cmd->add_option("--platform", flags->platform, "Target platform")->capture_default_str();
  add_registry_flags(cmd, flags->registry);
  cmd->add_flag("--json", global.json, "Print the plan as JSON");
  cmd->callback([flags, &global] { run_plan(*flags, global); });
}

}  // namespace stowage::cli
