#include "layers/tar_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <set>
#include <vector>

#include "core/error.h"

namespace stowage::layers {
namespace {

constexpr std::size_t kReadBlock = 1 << 20;

// Normalises an archive path; throws when it would escape the root.
std::string normalise(std::string_view raw, const std::filesystem::path& blob,
                      std::string_view what) {
  auto refuse = [&](std::string_view why) {
    throw Error(blob.string() + ": " + std::string(what) + " \"" + std::string(raw) + "\" " +
                    std::string(why),
                "the layer tries to write outside its root; it is unsafe to use");
  };
  if (raw.empty())
    refuse("is empty");
  if (raw.front() == '/')
    refuse("is absolute");
  std::string out;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t slash = raw.find('/', start);
    if (slash == std::string_view::npos)
      slash = raw.size();
    std::string_view part = raw.substr(start, slash - start);
    if (part == "..")
      refuse("contains a '..' component");
    if (!part.empty() && part != ".") {
      if (!out.empty())
        out += '/';
      out += part;
    }
    start = slash + 1;
  }
  return out.empty() ? "." : out;
}

}  // namespace

struct TarReader::Impl {
  std::filesystem::path blob;
  archive* a = nullptr;
  // Freed here, not in ~TarReader, so that a constructor that throws after archive_read_new()
  // does not leak it (found by fuzz/tar_fuzz under LeakSanitizer).
  ~Impl() { archive_read_free(a); }
  // Paths that are symlinks so far: an entry beneath one would be written through the link.
  std::set<std::string, std::less<>> symlinks;

  // Throws when a proper ancestor of `path` is a symlink of this archive.
  void refuse_beneath_symlink(const std::string& path, std::string_view what) const {
    for (auto slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      std::string_view parent = std::string_view(path).substr(0, slash);
      if (symlinks.contains(parent)) {
        throw Error(blob.string() + ": " + std::string(what) + " \"" + path +
                        "\" lies beneath the symlink \"" + std::string(parent) + "\"",
                    "writing it would follow the link, possibly outside the root; the layer is "
                    "unsafe to use");
      }
    }
  }

  [[noreturn]] void fail(const std::string& what) const {
    const char* msg = archive_error_string(a);
    throw Error("cannot read " + blob.string() + ": " + what +
                (msg ? ": " + std::string(msg) : ""));
  }
};

TarReader::TarReader(const std::filesystem::path& blob) : impl_(std::make_unique<Impl>()) {
  impl_->blob = blob;
  impl_->a = archive_read_new();
  if (impl_->a == nullptr)
    throw Error("cannot create a tar reader (libarchive)");
  archive_read_support_filter_gzip(impl_->a);
  archive_read_support_filter_zstd(impl_->a);
  archive_read_support_format_tar(impl_->a);
  if (archive_read_open_filename(impl_->a, blob.c_str(), kReadBlock) != ARCHIVE_OK) {
    impl_->fail("not a tar, tar+gzip or tar+zstd file");
  }
}

TarReader::~TarReader() = default;

std::optional<TarReaderEntry> TarReader::next() {
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(impl_->a, &e);
  if (rc == ARCHIVE_EOF)
    return std::nullopt;
  if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
    impl_->fail("corrupt archive");
  TarReaderEntry out;
  const char* path = archive_entry_pathname(e);
  out.path = normalise(path ? path : "", impl_->blob, "entry");
  out.mode = archive_entry_perm(e);
  out.uid = static_cast<std::uint32_t>(archive_entry_uid(e));
  out.gid = static_cast<std::uint32_t>(archive_entry_gid(e));
  out.mtime = archive_entry_mtime(e);
  if (const char* u = archive_entry_uname(e))
    out.uname = u;
  if (const char* g = archive_entry_gname(e))
    out.gname = g;
  impl_->refuse_beneath_symlink(out.path, "entry");
  if (const char* hard = archive_entry_hardlink(e)) {
    out.type = TarReaderEntry::Type::hardlink;
    out.link_target = normalise(hard, impl_->blob, "hard link target of " + out.path);
    impl_->refuse_beneath_symlink(out.link_target, "hard link target of " + out.path);
    impl_->symlinks.erase(out.path);
    return out;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG:
      out.type = TarReaderEntry::Type::file;
      out.size = archive_entry_size(e);
      break;
    case AE_IFDIR:
      out.type = TarReaderEntry::Type::directory;
      break;
    case AE_IFLNK:
      out.type = TarReaderEntry::Type::symlink;
      if (const char* target = archive_entry_symlink(e))
        out.link_target = target;
      break;
    default:
      out.type = TarReaderEntry::Type::other;
      break;
  }
  if (out.type == TarReaderEntry::Type::symlink)
    impl_->symlinks.insert(out.path);
  else
    impl_->symlinks.erase(out.path);
  return out;
}

std::size_t TarReader::read(std::span<std::byte> buf) {
  la_ssize_t n = archive_read_data(impl_->a, buf.data(), buf.size());
  if (n < 0)
    impl_->fail("corrupt entry content");
  return static_cast<std::size_t>(n);
}

std::string TarReader::read_all() {
  std::string out;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    std::size_t n = read(buf);
    if (n == 0)
      break;
    out.append(reinterpret_cast<const char*>(buf.data()), n);
  }
  return out;
}

}  // namespace stowage::layers
