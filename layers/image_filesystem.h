// The merged file system of an image: its layers stacked as a runtime unpacks them.
//
// Every reader that looks inside a base image (the entrypoint check, the Python probe) goes
// through this one view, so they agree on the OCI layer rules: layers apply lowest first and a
// later entry wins; `.wh.NAME` removes NAME and everything under it from the layers below;
// `.wh..wh..opq` empties its directory of what the layers below put there; a file or link
// replacing a directory hides what was under it; a hard link is the file it links to. Paths
// are image paths without the leading '/' ("usr/bin/python3"); a directory also exists
// implicitly when something lies under it. Nothing is extracted: the view is an index, and
// keeps file bytes only for the files a caller asks for.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "layers/tar_reader.h"

namespace stowage::layers {

struct FsNode {
  // Hard links, devices and FIFOs count as files: what matters to readers is "not a directory".
  enum class Type : char { file = 'f', directory = 'd', symlink = 'l' };
  Type type = Type::file;
  std::uint32_t mode = 0;  // permission bits (07777)
  std::string target;      // symlinks: the target exactly as stored
  // Regular files a KeepContent asked for. Shared, not copied, by every hard link to the file:
  // a layer of a few kilobytes can hold 100,000 links to one kept file.
  std::shared_ptr<const std::string> content;
};

class ImageFilesystem {
 public:
  // Whether to keep the bytes of a regular file entry at `path` (keep them small).
  using KeepContent = std::function<bool(const std::string& path, const TarReaderEntry& entry)>;

  // Stacks one layer blob (tar, gzip or zstd) on top. Throws Error when it cannot be read.
  void apply_layer(const std::filesystem::path& blob, const KeepContent& keep = {});
  // Puts one entry on top, as a layer entry would land.
  void put(const std::string& path, FsNode node);

  // The entry at `path` itself (no link followed), or nullptr when none was stored.
  const FsNode* find(const std::string& path) const;
  // Stored, or a directory because something lies under it.
  bool exists(const std::string& path) const;
  // A stored directory or an implicit one (no link followed).
  bool is_directory(const std::string& path) const;
  // Where `path` (absolute, or relative to `cwd`) leads once every symlink is followed, at most
  // 40 as Linux does; ".." and absolute targets never leave the image root. nullopt when a
  // component does not exist, is not a directory, or the links loop. "" is the root.
  std::optional<std::string> resolve(std::string_view path, std::string_view cwd = {}) const;
  // Every stored entry, sorted by path.
  const std::map<std::string, FsNode>& nodes() const { return nodes_; }

  // A compact form of the entries without file contents, for a cache; deserialise returns
  // nullopt when `data` is damaged.
  std::string serialise() const;
  static std::optional<ImageFilesystem> deserialise(const std::string& data);

 private:
  void erase_under(const std::string& dir);
  std::map<std::string, FsNode> nodes_;
};

}  // namespace stowage::layers
