#include "cache/prune.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cache/build_history.h"
#include "core/file.h"

namespace stowage::cache {
namespace fs = std::filesystem;

PruneResult prune_cache(const fs::path& cache_dir, const PruneOptions& options) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t keep_since =
      now - std::chrono::duration_cast<std::chrono::seconds>(options.keep).count();
  std::set<std::string> in_use;  // hex digests
  for (const auto& build : BuildHistory::all(cache_dir)) {
    if (build.time < keep_since)
      continue;
    for (const auto* d : {&build.manifest, &build.config}) {
      if (d->size() > 7)
        in_use.insert(d->substr(7));
    }
    for (const auto& l : build.layers) {
      if (l.digest.size() > 7)
        in_use.insert(l.digest.substr(7));
    }
  }

  PruneResult result;
  const auto grace_start = fs::file_time_type::clock::now() - options.grace;
  std::set<std::string> removed;
  std::error_code ec;
  for (fs::directory_iterator it(cache_dir / "blobs" / "sha256", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (is_temporary_name(name))
      continue;  // the next build clears those of dead processes
    std::error_code stat_ec;
    auto written = fs::last_write_time(it->path(), stat_ec);
    if (in_use.count(name) != 0 || stat_ec || written > grace_start) {
      ++result.blobs_kept;
      continue;
    }
    auto size = static_cast<std::int64_t>(fs::file_size(it->path(), stat_ec));
    if (!options.dry_run)
      fs::remove(it->path());
    removed.insert(name);
    ++result.blobs_removed;
    result.bytes_freed += stat_ec ? 0 : size;
  }

  for (fs::directory_iterator it(cache_dir / "layers", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".json")
      continue;
    auto entry = nlohmann::json::parse(read_file(it->path()), nullptr, false);
    std::string digest = entry.is_object() ? entry.value("digest", "") : "";
    if (digest.size() > 7 && removed.count(digest.substr(7)) != 0) {
      if (!options.dry_run)
        fs::remove(it->path());
      ++result.layer_entries_removed;
    }
  }
  return result;
}

}  // namespace stowage::cache
