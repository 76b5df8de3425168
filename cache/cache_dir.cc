#include "cache/cache_dir.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file.h"

namespace stowage::cache {
namespace fs = std::filesystem;

namespace {

// An environment variable, or nullptr when it is unset or empty (an empty value is a
// cleared variable, not a directory).
const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

}  // namespace

fs::path default_cache_dir() {
  if (const char* dir = env("STOWAGE_CACHE"))
    return dir;
  if (const char* xdg = env("XDG_CACHE_HOME"))
    return fs::path(xdg) / "stowage";
  if (const char* home = env("HOME"))
    return fs::path(home) / ".cache" / "stowage";
  throw InputError("no cache directory: HOME is not set", "pass --cache DIR or set STOWAGE_CACHE");
}

CacheDir::CacheDir(fs::path root) : root_(std::move(root)) {}

CacheDir CacheDir::at_or_default(const fs::path& root) {
  return CacheDir(root.empty() ? default_cache_dir() : root);
}

layers::BlobStore CacheDir::blob_store() const {
  return layers::BlobStore(root_);
}

fs::path CacheDir::blob_files() const {
  // layers::BlobStore's own layout (the OCI layout's) under the root it is given.
  return root_ / "blobs" / "sha256";
}

fs::path CacheDir::layer_records() const {
  return root_ / "layers";
}

fs::path CacheDir::history() const {
  return root_ / "history";
}

fs::path CacheDir::wheel_downloads() const {
  return root_ / "wheels";
}

fs::path CacheDir::verified_wheels() const {
  return wheel_downloads() / "verified";
}

fs::path CacheDir::base_python_probes() const {
  return wheel_downloads() / "bases";
}

fs::path CacheDir::entrypoint_indexes() const {
  return root_ / "entrypoint";
}

// Every store keeps its files in the cache's first two levels of directories, so those are
// searched rather than a list of stores that a new store could be missing from (found by
// tests/hardening/kill_test.cc: layer records were left behind when only blobs were).
void CacheDir::remove_stale_temporaries() const {
  std::vector<fs::path> dirs{root_};
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
    stowage::remove_stale_temporaries(dir);
}

}  // namespace stowage::cache
