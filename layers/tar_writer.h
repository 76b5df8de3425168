// The deterministic tar writer: the single home of stowage's reproducibility rules.
//
// Whatever the host file system says, an entry is written with:
//   - mode 0644 for files (0755 if any execute bit is set), 0755 for directories, 0777 symlinks;
//   - uid/gid from the entry (0 unless the recipe sets a user for its content), no user or
//     group names;
//   - mtime = TarOptions::mtime (SOURCE_DATE_EPOCH or 1), no atime, ctime or xattrs;
//   - PAX records only where ustar cannot express the entry (long or non-ASCII names, files
//     over 8 GiB), and then with no time or process-dependent content.
// Callers must add entries in bytewise path order with parents first; the writer checks this
// and throws rather than produce an archive that depends on the caller's iteration order.
// Paths and symlink targets must be valid UTF-8: they are stored as UTF-8 whatever the
// process locale, so the same tree gives the same bytes everywhere.
// The archive ends after the two zero blocks (no padding to a 10 KiB record), as Go's
// archive/tar and therefore most OCI tooling write it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/file.h"
#include "layers/compressor.h"
#include "layers/content_source.h"

namespace stowage::layers {

struct TarOptions {
  std::int64_t mtime = 1;  // seconds since the epoch
};

// The mtime of every entry (docs/layering.md, "Reproducibility"): $SOURCE_DATE_EPOCH when set
// and valid, else 1 (1970-01-01T00:00:01Z).
// Throws InputError when SOURCE_DATE_EPOCH is set but not a non-negative integer.
std::int64_t source_date_epoch();

struct TarEntry {
  enum class Type { file, directory, symlink, hardlink };
  Type type = Type::file;
  // Path inside the archive: relative, '/'-separated, no "." or ".." components, no trailing
  // slash ("app/main.py"). Validated by the writer.
  std::string path;
  // Host permission bits; the writer normalises them as described above.
  std::uint32_t mode = 0644;
  // For files: the exact number of bytes that will be read from `source`.
  std::int64_t size = 0;
  // For files: the host file to stream. Its size must not change while it is read. It is
  // opened without following a symlink.
  std::filesystem::path source;
  // For files from a walk of the host: the file `source` named when it was walked. The file
  // opened must be that one, so that one swapped for another (or a symlink, or a directory on
  // its path swapped for a symlink) since the walk is refused instead of archived.
  std::optional<FileIdentity> source_identity;
  // For files: in-memory content (generated files), used instead of `source`; its size must
  // equal `size`.
  std::optional<std::string> content;
  // For files: a source that produces the content (see content_source.h), used instead of
  // `source`; it must produce exactly `size` bytes.
  std::shared_ptr<const ContentSource> content_source;
  // Owner. The builder gives the recipe's user the content it copies (model, code) and keeps
  // everything else, parent directories included, owned by root: a user-owned /usr or /etc
  // in an upper layer would hand the whole directory to that user at run time.
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  // For symlinks: the target, kept as it is. For hard links: the archive path linked to, which
  // must be a regular file added earlier.
  std::string link_target;
};

// True when `s` is valid UTF-8, as every archive path and symlink target must be.
bool valid_utf8(std::string_view s);

class TarWriter {
 public:
  // Writes a tar stream to `out`. Calls out.finish() from finish().
  TarWriter(ByteSink& out, TarOptions options);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds one entry; for files, streams the content from entry.content, entry.content_source or
  // entry.source. Throws Error on I/O failure, when a content source fails, or when the
  // content's size differs from entry.size, InputError on a bad path or when
  // entries are out of order. An InputError, or a size mismatch seen when the file is opened,
  // leaves the writer usable; a failure once the entry's header is out leaves the stream
  // unusable, and every later call throws.
  void add(const TarEntry& entry);
  // Bytes read from storage for file content so far (host files, and what content sources
  // report).
  std::int64_t content_bytes_read() const;
  // Writes the end-of-archive marker and finishes the sink.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stowage::layers
