#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cache/cache_dir.h"
#include "cache/prune.h"
#include "cli/commands.h"
#include "cli/flag_limits.h"
#include "cli/report.h"

namespace stowage::cli {
namespace {

struct PruneFlags {
  std::string cache;
  int keep_days = 14;
  bool dry_run = false;
};

void run_prune(const PruneFlags& f, const GlobalFlags& g) {
  cache::PruneOptions options;
  options.keep = std::chrono::hours(24 * f.keep_days);
  options.dry_run = f.dry_run;
  auto dir = cache::CacheDir::at_or_default(f.cache);
  if (g.json)
    check_json_text(f.cache.empty() ? "the cache directory" : "--cache", dir.root().string());
  auto r = cache::prune_cache(dir, options);
  if (g.json) {
    fmt::print("{}\n", nlohmann::json{{"cache", dir.root().string()},
                                      {"dryRun", f.dry_run},
                                      {"blobsRemoved", r.blobs_removed},
                                      {"bytesFreed", r.bytes_freed},
                                      {"blobsKept", r.blobs_kept},
                                      {"layerEntriesRemoved", r.layer_entries_removed}}
                           .dump(2));
    return;
  }
  fmt::print("{} {} blobs ({}), kept {} used in the last {} days\n",
             f.dry_run ? "would remove" : "removed", r.blobs_removed, human_bytes(r.bytes_freed),
             r.blobs_kept, f.keep_days);
}

}  // namespace

void add_cache_command(CLI::App& app, GlobalFlags& global) {
  auto* cache = app.add_subcommand("cache", "Manage the local build cache");
  cache->require_subcommand(1);
  auto flags = std::make_shared<PruneFlags>();
  auto* prune = cache->add_subcommand("prune", "Remove blobs that no recent build used");
  prune->add_option("--cache", flags->cache,
                    "Cache directory (default: " + std::string(cache::kDefaultCacheDirOrder) + ")");
  prune->add_option("--keep-days", flags->keep_days, "Keep blobs used by builds this recent")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  prune->add_flag("--dry-run", flags->dry_run, "Only report what would be removed");
  prune->add_flag("--json", global.json, "Print the result as JSON");
  prune->callback([flags, &global] { run_prune(*flags, global); });
}

}  // namespace stowage::cli
