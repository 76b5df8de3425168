#include "cache/cache_dir.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <string>

#include "cache/build_history.h"
#include "cache/layer_cache.h"
#include "core/error.h"
#include "tests/support/temp_dir.h"

using stowage::cache::CacheDir;
using stowage::cache::default_cache_dir;
using stowage::testing::TempDir;
using stowage::testing::write_text;
namespace fs = std::filesystem;

namespace {

// Sets (or, with nullopt, unsets) an environment variable for the scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& value) {
    if (value)
      ::setenv(name_, value->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  const char* name_;
  std::optional<std::string> old_;
};

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  REQUIRE(child > 0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

}  // namespace

TEST_CASE("default_cache_dir: $STOWAGE_CACHE, else $XDG_CACHE_HOME/stowage, else ~/.cache") {
  ScopedEnv stowage("STOWAGE_CACHE", "/srv/stowage-cache");
  ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
  ScopedEnv home("HOME", "/home/ml");
  CHECK(default_cache_dir() == fs::path("/srv/stowage-cache"));
  {
    ScopedEnv cleared("STOWAGE_CACHE", "");  // an empty variable counts as unset
    CHECK(default_cache_dir() == fs::path("/xdg/stowage"));
    ScopedEnv no_xdg("XDG_CACHE_HOME", std::nullopt);
    CHECK(default_cache_dir() == fs::path("/home/ml/.cache/stowage"));
    ScopedEnv no_home("HOME", std::nullopt);
    try {
      default_cache_dir();
      FAIL("no error without HOME");
    } catch (const stowage::InputError& e) {
      CHECK(e.reason() == "no cache directory: HOME is not set");
      CHECK(e.hint() == "pass --cache DIR or set STOWAGE_CACHE");
    }
  }
  CHECK(CacheDir::at_or_default("").root() == fs::path("/srv/stowage-cache"));
  CHECK(CacheDir::at_or_default("/given").root() == fs::path("/given"));
}

TEST_CASE("the stores live where the cache's layout says, and are created on first use") {
  TempDir tmp;
  CacheDir cache(tmp / "cache");
  CHECK_FALSE(fs::exists(cache.root()));  // naming a cache creates nothing

  auto blobs = cache.blob_store();
  auto digest = blobs.put("a blob");
  CHECK(blobs.path_of(digest) == cache.blob_files() / std::string(digest.hex()));
  CHECK(cache.blob_files() == tmp / "cache/blobs/sha256");

  stowage::cache::LayerCache layers(cache, blobs);
  CHECK(fs::is_directory(cache.layer_records()));
  stowage::layers::Descriptor descriptor;
  descriptor.media_type = "application/vnd.oci.image.layer.v1.tar";
  descriptor.digest = digest;
  descriptor.size = 6;
  layers.remember("k", {descriptor, digest, 6, 0});
  CHECK(fs::exists(cache.layer_records() / "k.json"));
  CHECK(layers.find("k").has_value());

  stowage::cache::BuildHistory history(cache, tmp / "app/stowage.yaml");
  history.record({1, "", "", {}});
  CHECK(std::distance(fs::directory_iterator(cache.history()), fs::directory_iterator()) == 2);
  CHECK(stowage::cache::BuildHistory::all(cache).size() == 1);

  CHECK(cache.layer_records() == tmp / "cache/layers");
  CHECK(cache.history() == tmp / "cache/history");
  CHECK(cache.wheel_downloads() == tmp / "cache/wheels");
  CHECK(cache.verified_wheels() == tmp / "cache/wheels/verified");
  CHECK(cache.base_python_probes() == tmp / "cache/wheels/bases");
  CHECK(cache.entrypoint_indexes() == tmp / "cache/entrypoint");
}

TEST_CASE("a killed build's temporaries are removed, a live build's are kept") {
  TempDir tmp;
  CacheDir cache(tmp / "cache");
  const std::string dead = ".tmp-" + std::to_string(dead_pid());
  const std::string live = ".tmp-" + std::to_string(::getpid());
  const fs::path wheel_files = cache.wheel_downloads() / "files";
  std::vector<fs::path> stale{
      cache.root() / ("x" + dead + "-1"), cache.layer_records() / ("k.json" + dead + "-2"),
      cache.blob_files() / ("blob" + dead + "-3"), wheel_files / ("w.whl" + dead + "-4")};
  std::vector<fs::path> kept{cache.layer_records() / ("k.json" + live + "-5"),
                             cache.blob_files() / ("blob" + live + "-6"),
                             cache.layer_records() / "k.json", wheel_files / "abc"};
  for (const auto& p : stale)
    write_text(p, "partial");
  for (const auto& p : kept)
    write_text(p, "whole");
  // A killed build's temporary directory goes with everything in it.
  write_text(cache.entrypoint_indexes() / ("dir" + dead) / "inner", "partial");

  cache.remove_stale_temporaries();
  for (const auto& p : stale) {
    INFO(p);
    CHECK_FALSE(fs::exists(p));
  }
  for (const auto& p : kept) {
    INFO(p);
    CHECK(fs::exists(p));
  }
  CHECK_FALSE(fs::exists(cache.entrypoint_indexes() / ("dir" + dead)));
}

TEST_CASE("cleaning a cache that does not exist yet is harmless") {
  TempDir tmp;
  CacheDir cache(tmp / "none");
  cache.remove_stale_temporaries();
  CHECK_FALSE(fs::exists(cache.root()));
}
