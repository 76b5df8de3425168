#include "cache/prune.h"

#include <catch2/catch.hpp>
#include <ctime>

#include "cache/build_history.h"
#include "core/file.h"
#include "layers/blob_store.h"
#include "tests/support/temp_dir.h"

using namespace stowage::cache;
using stowage::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A cache with three blobs: `recent` used by a build now, `config` as that build's config,
// `stale` used only by a build 30 days ago, with a layer-cache entry pointing at it.
struct Fixture {
  TempDir tmp;
  CacheDir cache{tmp.path()};
  stowage::layers::BlobStore store = cache.blob_store();
  stowage::layers::Digest recent = store.put("recent layer");
  stowage::layers::Digest config = store.put("{\"config\":1}");
  stowage::layers::Digest stale = store.put("stale layer");

  Fixture() {
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    BuildHistory old_recipe(cache, tmp / "old/stowage.yaml");
    old_recipe.record({now - 30 * 24 * 3600, "", "", {{"code", "code (1 file)", stale.str()}}});
    BuildHistory current(cache, tmp / "app/stowage.yaml");
    current.record({now, "", config.str(), {{"code", "code (1 file)", recent.str()}}});
    fs::create_directories(tmp / "layers");
    stowage::write_file_atomically(tmp / "layers/k.json", "{\"digest\":\"" + stale.str() + "\"}");
  }
};

}  // namespace

TEST_CASE("prune removes blobs only old builds used, and their layer-cache entries") {
  Fixture f;
  PruneOptions options;
  options.grace = std::chrono::minutes(0);
  auto r = prune_cache(f.cache, options);
  CHECK(r.blobs_removed == 1);
  CHECK(r.bytes_freed == static_cast<std::int64_t>(std::string("stale layer").size()));
  CHECK(r.layer_entries_removed == 1);
  CHECK_FALSE(f.store.has(f.stale));
  CHECK(f.store.has(f.recent));
  CHECK(f.store.has(f.config));
  CHECK_FALSE(fs::exists(f.tmp / "layers/k.json"));
}

TEST_CASE("prune keeps blobs written within the grace period and honours --dry-run") {
  Fixture f;
  PruneOptions options;  // default grace: one hour, and every blob is brand new
  CHECK(prune_cache(f.cache, options).blobs_removed == 0);
  options.grace = std::chrono::minutes(0);
  options.dry_run = true;
  CHECK(prune_cache(f.cache, options).blobs_removed == 1);
  CHECK(f.store.has(f.stale));
  CHECK(fs::exists(f.tmp / "layers/k.json"));
}
