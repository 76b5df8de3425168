// The recipe's Python lock, installed: every wheel resolved, downloaded, verified and
// described file by file, handed to the planner as image content.
//
// Nothing is unpacked: each installed file streams from the verified wheel in the content-
// addressed download store (python/wheel_cache.h) straight into its layer, and is
// checked against the wheel's RECORD on the way (wheel_install.h). A file's identity for the
// layer cache is the wheel's sha256 and the member's name and hash, so an unchanged wheel's
// layer is reused without reading its bytes and without a stat per file. Every file of
// a wheel carries the wheel as its group ("torch==2.5.1"), so a wheel is one planning unit:
// its own layer when it is big, part of its class's bundle otherwise. The class comes from
// knowledge::classify_distribution (accelerator, framework, dependencies).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "builder/base_image.h"
#include "builder/content.h"
#include "layers/blob_store.h"
#include "layers/image.h"
#include "recipes/recipe.h"

namespace stowage::builder {

struct PythonContentOptions {
  // Where downloaded wheels are kept (python::WheelCache), where a wheel whose RECORD was
  // checked is marked, and where a base's Python interpreters are remembered: the cache's
  // (cache/cache_dir.h).
  std::filesystem::path wheel_downloads;
  std::filesystem::path verified_wheels;
  std::filesystem::path base_python_probes;
  layers::Platform platform;
  int parallel_downloads = 8;
  std::filesystem::path ca_file;                     // extra CA for HTTPS indexes
  std::function<void(const std::string&)> progress;  // one line per step; may be empty
  // One sentence per warning; may be empty. Quotes wheel names and index text as they came:
  // print through print_warning() (core/printable.h).
  std::function<void(const std::string&)> warn;
};

// The installed content of recipe.python_requirements (empty when the recipe has none).
// Throws InputError for lock, recipe and base problems (no interpreter, no fitting wheel,
// sdists), Error for download, hash and wheel failures. Writes only to the cache.
std::vector<ContentItem> python_content(const recipes::Recipe& recipe, const BaseImage& base,
                                        const layers::BlobStore& blobs,
                                        const PythonContentOptions& options);

}  // namespace stowage::builder
