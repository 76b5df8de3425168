#include "cache/prune.h"

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "cache/build_history.h"
#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"

namespace stowage::cache {
namespace fs = std::filesystem;

namespace {

// The digest a history or layer record names, or nullopt for a damaged one: records only
// keep blobs alive, so a bad one must not stop a prune.
std::optional<layers::Digest> parse_digest(const std::string& text) {
  try {
    return layers::Digest::parse(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::set<layers::Digest> used_since(const CacheDir& cache, std::int64_t since) {
  std::set<layers::Digest> in_use;
  for (const auto& build : BuildHistory::all(cache)) {
    if (build.time < since)
      continue;
    std::vector<const std::string*> named{&build.manifest, &build.config};
    for (const auto& l : build.layers)
      named.push_back(&l.digest);
    for (const auto* text : named) {
      if (auto digest = parse_digest(*text))
        in_use.insert(*digest);
    }
  }
  return in_use;
}

}  // namespace

PruneResult prune_cache(const CacheDir& cache, const PruneOptions& options) {
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  const auto in_use = used_since(
      cache, now - std::chrono::duration_cast<std::chrono::seconds>(options.keep).count());

  PruneResult result;
  const auto grace_start = fs::file_time_type::clock::now() - options.grace;
  std::set<layers::Digest> removed;
  std::error_code ec;
  for (fs::directory_iterator it(cache.blob_files(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (is_temporary_name(name))
      continue;  // the next build clears those of dead processes
    // A file that names no digest is no blob any build can use: it goes like an unused one.
    auto digest = parse_digest("sha256:" + name);
    std::error_code stat_ec;
    auto written = fs::last_write_time(it->path(), stat_ec);
    if ((digest && in_use.count(*digest) != 0) || stat_ec || written > grace_start) {
      ++result.blobs_kept;
      continue;
    }
    auto size = static_cast<std::int64_t>(fs::file_size(it->path(), stat_ec));
    if (!options.dry_run)
      fs::remove(it->path());
    if (digest)
      removed.insert(*digest);
    ++result.blobs_removed;
    result.bytes_freed += stat_ec ? 0 : size;
  }

  for (fs::directory_iterator it(cache.layer_records(), ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".json")
      continue;
    auto entry = nlohmann::json::parse(read_file(it->path()), nullptr, false);
    auto digest = parse_digest(entry.is_object() ? entry.value("digest", "") : "");
    if (digest && removed.count(*digest) != 0) {
      if (!options.dry_run)
        fs::remove(it->path());
      ++result.layer_entries_removed;
    }
  }
  return result;
}

}  // namespace stowage::cache
