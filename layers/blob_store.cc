#include "layers/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "core/error.h"

namespace stowage::layers {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHashBlock = 1 << 20;
// Writeback of a large blob starts every this many bytes, so that the fsync at commit finds
// little left to write and disk I/O overlaps hashing instead of following it.
constexpr std::int64_t kWritebackWindow = 16 << 20;

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || (::fsync(fd.get()) != 0 && errno != EINVAL)) {
    throw Error("cannot sync directory " + dir.string() + ": " + errno_text(errno));
  }
}

Digest hash_fd(int fd, const fs::path& path) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Sha256 h;
  std::vector<std::byte> buf(kHashBlock);
  for (;;) {
    std::size_t n = read_some(fd, buf, path);
    if (n == 0)
      break;
    h.update(std::span(buf.data(), n));
  }
  return h.finish();
}

Error corrupted(const Digest& digest, const fs::path& path, const Digest& actual) {
  return Error(
      "blob " + digest.str() + " is corrupted: " + path.string() + " hashes to " + actual.str(),
      "delete the file and build or pull again");
}

}  // namespace

BlobStore::BlobStore(fs::path root) : root_(std::move(root)), dir_(root_ / "blobs" / "sha256") {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    throw Error("cannot create blob directory " + dir_.string() + ": " + ec.message());
}

fs::path BlobStore::path_of(const Digest& digest) const {
  return dir_ / std::string(digest.hex());
}

bool BlobStore::has(const Digest& digest) const {
  struct stat st {};
  return ::stat(path_of(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<std::int64_t> BlobStore::size_of(const Digest& digest) const {
  struct stat st {};
  if (::stat(path_of(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return static_cast<std::int64_t>(st.st_size);
}

BlobStore::Writer::Writer(const BlobStore& store)
    : store_(store), file_(std::make_unique<AtomicFile>(store.dir_ / "incoming")) {}

BlobStore::Writer::~Writer() = default;

void BlobStore::Writer::write(std::span<const std::byte> data) {
  if (!file_)
    throw Error("blob writer: write() after commit");
  hash_.update(data);
  file_->write(data);
  std::int64_t before = size_;
  size_ += static_cast<std::int64_t>(data.size());
  std::int64_t window_start = before / kWritebackWindow * kWritebackWindow;
  if (size_ - window_start >= kWritebackWindow) {
    // Best effort: a failure here only means writeback happens at fsync time instead.
    ::sync_file_range(file_->fd(), window_start, size_ - window_start, SYNC_FILE_RANGE_WRITE);
  }
}

void BlobStore::Writer::finish() {
  commit();
}

Digest BlobStore::Writer::commit(const std::optional<Digest>& expected) {
  if (digest_)
    return *digest_;
  if (!file_)
    throw Error("blob writer: commit() after a failed commit");
  std::unique_ptr<AtomicFile> file = std::move(file_);
  Digest actual = hash_.finish();
  if (expected && *expected != actual) {
    throw Error("blob content hashes to " + actual.str() + ", expected " + expected->str(),
                "the source is corrupted or changed while it was read");
  }
  fs::path final_path = store_.path_of(actual);
  if (!store_.has(actual)) {
    // AtomicFile's own commit() renames to the path fixed at construction, but a streamed
    // blob's name is known only now: sync the temporary file and rename it here. The
    // AtomicFile's destructor then finds no temporary file left to remove.
    if (::fsync(file->fd()) != 0) {
      throw Error("cannot sync " + file->temp_path().string() + ": " + errno_text(errno));
    }
    if (::rename(file->temp_path().c_str(), final_path.c_str()) != 0) {
      throw Error("cannot rename " + file->temp_path().string() + " to " + final_path.string() +
                  ": " + errno_text(errno));
    }
    fsync_dir(store_.dir_);
  }
  digest_ = actual;
  return actual;
}

std::unique_ptr<BlobStore::Writer> BlobStore::begin_write() const {
  return std::unique_ptr<Writer>(new Writer(*this));
}

Digest BlobStore::put(std::string_view data) const {
  Digest digest = Digest::of(data);
  if (!has(digest))
    write_file_atomically(path_of(digest), data);
  return digest;
}

std::string BlobStore::read(const Digest& digest) const {
  fs::path path = path_of(digest);
  if (!has(digest))
    throw Error("blob " + digest.str() + " is missing from " + dir_.string());
  std::string data = read_file(path);
  Digest actual = Digest::of(data);
  if (actual != digest)
    throw corrupted(digest, path, actual);
  return data;
}

UniqueFd BlobStore::open(const Digest& digest) const {
  if (!has(digest))
    throw Error("blob " + digest.str() + " is missing from " + dir_.string());
  return open_for_reading(path_of(digest));
}

void BlobStore::verify(const Digest& digest) const {
  UniqueFd fd = open(digest);
  Digest actual = hash_fd(fd.get(), path_of(digest));
  if (actual != digest)
    throw corrupted(digest, path_of(digest), actual);
}

void BlobStore::import_from(const BlobStore& other, const Digest& digest) const {
  if (has(digest))
    return;
  fs::path source = other.path_of(digest);
  if (!other.has(digest)) {
    throw Error("blob " + digest.str() + " is missing from " + other.dir_.string());
  }
  // link() publishes the complete file under its final name in one step, and fails with
  // EEXIST when a concurrent writer got there first, which is just as good.
  if (::link(source.c_str(), path_of(digest).c_str()) == 0 || errno == EEXIST) {
    fsync_dir(dir_);
    return;
  }
  if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != ENOTSUP) {
    throw Error("cannot link " + source.string() + " into " + dir_.string() + ": " +
                errno_text(errno));
  }
  UniqueFd in = other.open(digest);
  auto writer = begin_write();
  std::vector<std::byte> buf(kHashBlock);
  for (;;) {
    std::size_t n = read_some(in.get(), buf, source);
    if (n == 0)
      break;
    writer->write(std::span(buf.data(), n));
  }
  writer->commit(digest);
}

}  // namespace stowage::layers
