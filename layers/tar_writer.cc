#include "layers/tar_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <exception>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/error.h"
#include "core/file.h"

namespace stowage::layers {
namespace {

// File content moves in blocks this large: few system calls and few hash/compress calls, while
// memory stays small and constant whatever the file size.
constexpr std::size_t kReadBlock = 1 << 20;

// libarchive converts names from the current locale to UTF-8 for PAX records. Under the "C"
// locale that conversion fails for any non-ASCII name and libarchive falls back to
// "hdrcharset=BINARY", so the archive would depend on the caller's locale. Every libarchive
// call therefore runs under C.UTF-8, set for this thread only.
class Utf8Locale {
 public:
  Utf8Locale() {
    static locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8 == static_cast<locale_t>(nullptr)) {
      throw Error("the C.UTF-8 locale is not available", "stowage needs glibc 2.35 or newer");
    }
    previous_ = uselocale(utf8);
  }
  ~Utf8Locale() { uselocale(previous_); }
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;

 private:
  locale_t previous_;
};

// Throws InputError unless `path` is a clean relative archive path.
void validate_path(std::string_view path, std::string_view what) {
  auto bad = [&](std::string_view why) {
    throw InputError(std::string(what) + " \"" + std::string(path) + "\" " + std::string(why),
                     "archive paths are relative, '/'-separated, without '.', '..' or empty "
                     "components");
  };
  if (path.empty())
    bad("is empty");
  if (path.front() == '/')
    bad("is absolute");
  if (path.find('\0') != std::string_view::npos)
    bad("contains a NUL byte");
  if (!valid_utf8(path))
    bad("is not valid UTF-8");
  std::size_t start = 0;
  for (;;) {
    std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash - start);
    if (part.empty())
      bad("has an empty component");
    if (part == "." || part == "..")
      bad("has a '" + std::string(part) + "' component");
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
}

std::string_view parent_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

}  // namespace

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xe  ? 3
                      : (c >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size())
      return false;
    std::uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

std::int64_t source_date_epoch() {
  const char* env = std::getenv("SOURCE_DATE_EPOCH");
  if (env == nullptr || *env == '\0')
    return 1;
  std::string_view text(env);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || text.front() == '+') {
    throw InputError("SOURCE_DATE_EPOCH=\"" + std::string(text) + "\" is not a valid timestamp",
                     "set it to a non-negative number of seconds since 1970-01-01, or unset it");
  }
  return value;
}

struct TarWriter::Impl {
  ByteSink& out;
  TarOptions options;
  archive* a = nullptr;
  // An exception thrown by `out` inside a libarchive callback, rethrown once libarchive returns.
  std::exception_ptr sink_error;
  bool abandoned = false;
  bool finished = false;
  bool broken = false;
  std::string last_path;
  std::unordered_set<std::string> directories;
  std::unordered_set<std::string> files;
  std::int64_t content_bytes_read = 0;
  std::vector<std::byte> buffer;

  Impl(ByteSink& sink, TarOptions opts) : out(sink), options(opts) {}

  static la_ssize_t write_callback(struct archive*, void* self, const void* data, size_t n) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->abandoned)
      return static_cast<la_ssize_t>(n);
    try {
      impl->out.write(std::span(static_cast<const std::byte*>(data), n));
      return static_cast<la_ssize_t>(n);
    } catch (...) {
      impl->sink_error = std::current_exception();
      return -1;
    }
  }

  // Any status other than ARCHIVE_OK (warnings included: a warning means libarchive changed
  // what it wrote) is an error.
  void check(int status, const std::string& context) {
    if (status == ARCHIVE_OK)
      return;
    broken = true;
    if (sink_error)
      std::rethrow_exception(sink_error);
    const char* msg = archive_error_string(a);
    throw Error("cannot write tar " + context + ": " + (msg ? msg : "libarchive error"));
  }

  void write_data(std::span<const std::byte> data, const std::string& path) {
    while (!data.empty()) {
      la_ssize_t n = archive_write_data(a, data.data(), data.size());
      if (n <= 0)
        check(n == 0 ? ARCHIVE_FATAL : static_cast<int>(n), "data of \"" + path + "\"");
      data = data.subspan(static_cast<std::size_t>(n));
    }
  }

  // Opens a file entry's source, checks that it is the file walked and its size, before
  // anything of the entry is written.
  static UniqueFd open_source(const TarEntry& entry) {
    RegularFile file;
    try {
      file = open_regular_file(entry.source);
    } catch (const Error&) {
      // A file walked as a regular file that is now a symlink or something else was swapped.
      struct stat st {};
      if (entry.source_identity && ::lstat(entry.source.c_str(), &st) == 0 &&
          !S_ISREG(st.st_mode)) {
        throw swapped(entry);
      }
      throw;
    }
    if (entry.source_identity && file.identity != *entry.source_identity)
      throw swapped(entry);
    if (file.size != entry.size)
      throw size_changed(entry, file.size);
    return std::move(file.fd);
  }

  static Error swapped(const TarEntry& entry) {
    return Error(entry.source.string() + " changed while building; run again",
                 "do not modify sources during a build");
  }

  static Error size_changed(const TarEntry& entry, std::int64_t found) {
    return Error(entry.source.string() + " changed size while being archived (expected " +
                     std::to_string(entry.size) + " bytes, found " + std::to_string(found) + ")",
                 "do not modify sources during a build");
  }

  void stream_file(const TarEntry& entry, const UniqueFd& fd) {
    auto changed = [&](std::int64_t found) { return size_changed(entry, found); };
    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    if (buffer.empty())
      buffer.resize(kReadBlock);
    std::int64_t left = entry.size;
    while (left > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(left, kReadBlock));
      std::size_t n = read_some(fd.get(), std::span(buffer.data(), want), entry.source);
      if (n == 0)
        throw changed(entry.size - left);
      content_bytes_read += static_cast<std::int64_t>(n);
      left -= static_cast<std::int64_t>(n);
      write_data(std::span(buffer.data(), n), entry.path);
    }
    std::byte extra[1];
    if (read_some(fd.get(), extra, entry.source) != 0)
      throw changed(entry.size + 1);
  }

  // Streams a content source, holding it to exactly entry.size bytes: a source that produces
  // more or less would shift every later header.
  void stream_source(const TarEntry& entry) {
    std::int64_t left = entry.size;
    auto wrong_size = [&](const std::string& how) {
      return Error("the content of \"" + entry.path + "\" (" + entry.content_source->identity() +
                   ") is " + how + " than its declared " + std::to_string(entry.size) + " bytes");
    };
    content_bytes_read += entry.content_source->stream([&](std::span<const std::byte> block) {
      if (static_cast<std::int64_t>(block.size()) > left)
        throw wrong_size("longer");
      left -= static_cast<std::int64_t>(block.size());
      write_data(block, entry.path);
    });
    if (left != 0)
      throw wrong_size("shorter");
  }

  // Enforces bytewise order, parents first, and hard links to earlier files.
  void check_place(const TarEntry& entry) {
    validate_path(entry.path, "archive path");
    if (!last_path.empty() && entry.path <= last_path) {
      throw InputError("archive entry \"" + entry.path + "\" comes after \"" + last_path + "\"",
                       entry.path == last_path ? "each path may appear only once"
                                               : "add entries in bytewise path order");
    }
    std::string_view parent = parent_of(entry.path);
    if (!parent.empty() && !directories.contains(std::string(parent))) {
      throw InputError("archive entry \"" + entry.path + "\" has no parent directory entry \"" +
                           std::string(parent) + "\"",
                       "add a directory entry for every parent, before its children");
    }
    switch (entry.type) {
      case TarEntry::Type::file:
        if (entry.size < 0)
          throw InputError("archive entry \"" + entry.path + "\" has a negative size");
        if (!entry.content && !entry.content_source && entry.source.empty() && entry.size != 0) {
          throw InputError("archive entry \"" + entry.path + "\" has neither content nor a source");
        }
        if (entry.content && static_cast<std::int64_t>(entry.content->size()) != entry.size) {
          throw InputError("archive entry \"" + entry.path + "\": size does not match its content");
        }
        break;
      case TarEntry::Type::symlink:
        if (entry.link_target.empty() || entry.link_target.find('\0') != std::string::npos ||
            !valid_utf8(entry.link_target)) {
          throw InputError("symlink \"" + entry.path + "\" has an empty or invalid target");
        }
        break;
      case TarEntry::Type::hardlink:
        validate_path(entry.link_target, "hard link target");
        if (!files.contains(entry.link_target)) {
          throw InputError("hard link \"" + entry.path + "\" points to \"" + entry.link_target +
                               "\", which is not a regular file added before it",
                           "add the file first, then its links");
        }
        break;
      case TarEntry::Type::directory:
        break;
    }
  }
};

TarWriter::TarWriter(ByteSink& out, TarOptions options)
    : impl_(std::make_unique<Impl>(out, options)) {
  Utf8Locale utf8;
  impl_->a = archive_write_new();
  if (impl_->a == nullptr)
    throw Error("cannot create a tar writer (libarchive)");
  // Restricted PAX: plain ustar headers, plus a PAX record only for what ustar cannot hold.
  impl_->check(archive_write_set_format_pax_restricted(impl_->a), "format");
  // Unblocked output: libarchive hands each write straight to the sink (no 10 KiB staging
  // copy) and ends the archive after the two 512-byte zero blocks instead of padding it to a
  // 10 KiB record. Both forms are valid tar; this one is what Go's archive/tar (docker,
  // buildkit, crane, ko) writes, so stowage's layers look like the rest of the ecosystem's.
  impl_->check(archive_write_set_bytes_per_block(impl_->a, 0), "blocking");
  impl_->check(archive_write_set_bytes_in_last_block(impl_->a, 1), "blocking");
  impl_->check(
      archive_write_open2(impl_->a, impl_.get(), nullptr, &Impl::write_callback, nullptr, nullptr),
      "stream");
}

TarWriter::~TarWriter() {
  if (impl_->a != nullptr) {
    impl_->abandoned = !impl_->finished;
    Utf8Locale utf8;
    // After a failed write libarchive is in its fatal state, in which archive_write_free skips
    // closing the output, and libarchive 3.6 frees the output's buffer only when closing it: a
    // leak (LeakSanitizer). Closing first frees it; being abandoned, nothing reaches the sink.
    archive_write_close(impl_->a);
    archive_write_free(impl_->a);
  }
}

void TarWriter::add(const TarEntry& entry) {
  if (impl_->finished)
    throw Error("tar writer: add() after finish()");
  if (impl_->broken)
    throw Error("tar writer: add() after a failed write");
  impl_->check_place(entry);

  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  if (!e)
    throw Error("out of memory creating a tar entry");
  archive_entry_set_pathname(e.get(), entry.path.c_str());
  archive_entry_set_uid(e.get(), entry.uid);
  archive_entry_set_gid(e.get(), entry.gid);
  archive_entry_set_mtime(e.get(), impl_->options.mtime, 0);
  const std::uint32_t file_mode = (entry.mode & 0111) != 0 ? 0755 : 0644;
  switch (entry.type) {
    case TarEntry::Type::file:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), file_mode);
      archive_entry_set_size(e.get(), entry.size);
      break;
    case TarEntry::Type::directory:
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_perm(e.get(), 0755);
      break;
    case TarEntry::Type::symlink:
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_perm(e.get(), 0777);
      archive_entry_set_symlink(e.get(), entry.link_target.c_str());
      break;
    case TarEntry::Type::hardlink:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), file_mode);
      archive_entry_set_hardlink(e.get(), entry.link_target.c_str());
      break;
  }
  UniqueFd source;
  if (entry.type == TarEntry::Type::file && !entry.content && !entry.content_source &&
      !entry.source.empty()) {
    source = Impl::open_source(entry);  // may throw; nothing of the entry is written yet
  }
  // From the header on, a failure leaves a partial entry in the stream: the writer is broken.
  try {
    {
      Utf8Locale utf8;
      impl_->check(archive_write_header(impl_->a, e.get()), "header for \"" + entry.path + "\"");
    }
    if (entry.content) {
      impl_->write_data(std::as_bytes(std::span(*entry.content)), entry.path);
    } else if (entry.content_source) {
      impl_->stream_source(entry);
    } else if (source) {
      impl_->stream_file(entry, source);
    }
    impl_->check(archive_write_finish_entry(impl_->a), "entry \"" + entry.path + "\"");
  } catch (...) {
    impl_->broken = true;
    throw;
  }

  impl_->last_path = entry.path;
  if (entry.type == TarEntry::Type::directory)
    impl_->directories.insert(entry.path);
  if (entry.type == TarEntry::Type::file)
    impl_->files.insert(entry.path);
}

std::int64_t TarWriter::content_bytes_read() const {
  return impl_->content_bytes_read;
}

void TarWriter::finish() {
  if (impl_->finished)
    throw Error("tar writer: finish() called twice");
  if (impl_->broken)
    throw Error("tar writer: finish() after a failed write");
  {
    Utf8Locale utf8;
    impl_->check(archive_write_close(impl_->a), "end of archive");
  }
  impl_->finished = true;
  impl_->out.finish();
}

}  // namespace stowage::layers
