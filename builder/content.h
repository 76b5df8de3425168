// Host content (model and code entries) turned into image entries, ready for planning.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "layers/tar_writer.h"
#include "recipes/layer_class.h"
#include "recipes/recipe.h"

namespace stowage::builder {

// One file, directory or symlink that will exist in the image.
struct ContentItem {
  layers::TarEntry entry;  // path in the image (relative, no leading '/'), type, mode, size
  recipes::LayerClass layer_class = recipes::LayerClass::code;
  std::string origin;  // the recipe entry it came from, e.g. "model[0]"
  // Items sharing a non-empty group (one installed wheel: "torch==2.5.1") are planned as one
  // unit: together in a layer of their own when their files total at least the threshold,
  // else bundled with the small items of their class.
  std::string group;
  // Stat fingerprint of the host file: when all of these are unchanged, so is the content.
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t mtime_ns = 0;
  std::int64_t ctime_ns = 0;
};

// Walks one recipe entry: a file lands at `dst` (or at dst/name when dst ends in '/'), a
// directory's tree lands under `dst`. A directory source loses kDefaultExcludes
// (builder/ignore_rules.h) and what its .stowageignore excludes, and, whatever their names,
// the directories in `own_dirs` (stowage's output layout, manifests and cache, matched by
// device and inode) and cache directories tagged with a CACHEDIR.TAG (bford.info/cachedir).
// Symlinks are kept as links; devices, sockets and FIFOs are refused. Throws InputError with
// the recipe location of the entry.
std::vector<ContentItem> collect_content(const recipes::Recipe& recipe,
                                         const recipes::ContentEntry& entry,
                                         recipes::LayerClass default_class,
                                         const std::string& origin,
                                         const std::vector<std::filesystem::path>& own_dirs = {});

// All model and code content of a recipe, walked as collect_content() does. Two entries that
// put different content at the same image path are refused.
std::vector<ContentItem> collect_recipe_content(
    const recipes::Recipe& recipe, const std::vector<std::filesystem::path>& own_dirs = {});

}  // namespace stowage::builder
