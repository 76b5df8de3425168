// Reading the entries of a layer blob: tests read back what stowage wrote, and the builder looks
// inside base image layers.
//
// Any path that could escape the extraction root is refused: an absolute path or a ".."
// component (in an entry's path or a hard link's target), or a path beneath a symlink the
// archive made earlier (a write through the link) throws Error naming the entry. Devices and
// FIFOs are reported as Type::other: the reader writes nothing, so they are the caller's call.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace stowage::layers {

struct TarReaderEntry {
  enum class Type { file, directory, symlink, hardlink, other };
  Type type = Type::file;
  // Normalised relative path: leading "./" and trailing "/" removed ("usr/bin/python3");
  // the archive's root directory entry ("./") is ".".
  std::string path;
  std::uint32_t mode = 0;  // permission bits (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::int64_t mtime = 0;
  std::int64_t size = 0;  // content bytes (0 for everything but files)
  // Symlinks: the target exactly as stored. Hard links: the normalised path linked to.
  std::string link_target;
  std::string uname;  // user and group names, usually empty in stowage's layers
  std::string gname;
};

class TarReader {
 public:
  // Opens a layer blob: an uncompressed, gzip or zstd tar (detected from its first bytes).
  // Throws Error if the file cannot be opened.
  explicit TarReader(const std::filesystem::path& blob);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next entry, or nullopt at the end of the archive. Skips the unread content of the
  // previous entry. Throws Error on a corrupt or truncated archive or an escaping path.
  std::optional<TarReaderEntry> next();
  // Reads up to buf.size() bytes of the current entry's content; 0 at its end.
  std::size_t read(std::span<std::byte> buf);
  // The rest of the current entry's content (for small files).
  std::string read_all();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage::layers
