#include "layers/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"

namespace stowage::layers {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHashBlock = 1 << 20;
// Writes reach the disk in blocks of this size; at most kBlocks of them exist per writer, which
// bounds a writer's memory at 16 MiB whatever the blob's size.
constexpr std::size_t kBlock = 4 << 20;
constexpr std::size_t kBlocks = 4;
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

// Streams `fd` into `sink` until the end of the file, or until more than `limit` bytes went in,
// so that a caller expecting `limit` bytes notices a file that is still growing.
void copy_fd(int fd, const fs::path& path, ByteSink& sink, std::int64_t limit) {
  std::vector<std::byte> buf(kHashBlock);
  for (std::int64_t copied = 0; copied <= limit;) {
    std::size_t n = read_some(fd, buf, path);
    if (n == 0)
      break;
    sink.write(std::span<const std::byte>(buf.data(), n));
    copied += static_cast<std::int64_t>(n);
  }
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

// lstat: a symlink under a blob's name is not the blob, and is replaced when the blob is
// written.
bool BlobStore::has(const Digest& digest) const {
  struct stat st {};
  return ::lstat(path_of(digest).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::optional<std::int64_t> BlobStore::size_of(const Digest& digest) const {
  struct stat st {};
  if (::lstat(path_of(digest).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return static_cast<std::int64_t>(st.st_size);
}

// Between the caller and the temporary file: fills 4 MiB blocks and hands full ones to a
// thread that writes them in order, so the caller's hashing overlaps the disk writes. The
// thread starts with the first full block; a small blob never starts one.
//
// Full blocks are written with O_DIRECT when the file system accepts it: the data goes from
// the block to the disk without a copy into the page cache, which on the machines measured
// halves the CPU cost of storing a large layer. The last, partial block is written normally.
// Where O_DIRECT is refused (tmpfs), buffered writes with early writeback are used instead.
struct BlobStore::Writer::Spool {
  struct FreeBlock {
    void operator()(std::byte* p) const { std::free(p); }
  };
  using Block = std::unique_ptr<std::byte, FreeBlock>;
  static constexpr std::size_t kAlign = 4096;

  Spool(int file_fd, fs::path file_path) : fd(file_fd), path(std::move(file_path)) {}

  ~Spool() {
    if (thread.joinable()) {
      {
        std::lock_guard lock(mutex);
        stopping = true;
      }
      changed.notify_all();
      thread.join();
    }
  }

  void append(std::span<const std::byte> data) {
    while (!data.empty()) {
      if (!current)
        current = take_block();
      std::size_t n = std::min(data.size(), kBlock - used);
      std::memcpy(current.get() + used, data.data(), n);
      used += n;
      data = data.subspan(n);
      if (used == kBlock) {
        submit(std::move(current));
        used = 0;
      }
    }
  }

  // Writes everything still held and waits for the thread; rethrows a write error.
  void finish() {
    if (thread.joinable()) {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return (full.empty() && !busy) || error; });
      if (error)
        std::rethrow_exception(error);
    }
    if (used > 0) {
      set_direct(false);
      write_all(fd, std::span(current.get(), used), path);
      used = 0;
    }
  }

 private:
  Block take_block() {
    std::unique_lock lock(mutex);
    if (blocks >= kBlocks) {
      changed.wait(lock, [&] { return !spare.empty() || error; });
    }
    if (error)
      std::rethrow_exception(error);
    if (!spare.empty()) {
      Block b = std::move(spare.front());
      spare.pop_front();
      return b;
    }
    ++blocks;
    Block b(static_cast<std::byte*>(std::aligned_alloc(kAlign, kBlock)));
    if (!b)
      throw Error("out of memory allocating a write buffer");
    return b;
  }

  void submit(Block block) {
    {
      std::lock_guard lock(mutex);
      if (error)
        std::rethrow_exception(error);
      full.push_back(std::move(block));
    }
    changed.notify_all();
    if (!thread.joinable())
      thread = std::thread([this] { run(); });
  }

  bool set_direct(bool on) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0)
      return false;
    int wanted = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
    return wanted == flags || ::fcntl(fd, F_SETFL, wanted) == 0;
  }

  // Writes one full block; falls back to buffered I/O if direct I/O is refused.
  void write_block(const std::byte* data) {
    std::size_t done = 0;
    while (done < kBlock) {
      ssize_t n = ::write(fd, data + done, kBlock - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && errno == EINVAL && direct) {
        direct = false;
        set_direct(false);
      } else {
        throw Error("cannot write " + path.string() + ": " + errno_text(n < 0 ? errno : ENOSPC));
      }
    }
    offset += static_cast<std::int64_t>(kBlock);
    if (!direct && offset - window_start >= kWritebackWindow) {
      // Best effort: a failure only means writeback happens at fsync time instead.
      ::sync_file_range(fd, window_start, offset - window_start, SYNC_FILE_RANGE_WRITE);
      window_start = offset;
    }
  }

  void run() {
    direct = set_direct(true);
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return !full.empty() || stopping; });
      if (full.empty())
        return;
      Block block = std::move(full.front());
      full.pop_front();
      busy = true;
      lock.unlock();
      try {
        write_block(block.get());
      } catch (...) {
        lock.lock();
        error = std::current_exception();
        busy = false;
        changed.notify_all();
        return;
      }
      lock.lock();
      busy = false;
      spare.push_back(std::move(block));
      changed.notify_all();
    }
  }

  int fd;
  fs::path path;
  Block current;           // the block being filled by the caller
  std::size_t used = 0;    // bytes of `current` filled
  std::size_t blocks = 0;  // blocks allocated so far, at most kBlocks
  // Shared with the thread, under `mutex`.
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Block> full;   // waiting to be written, in order
  std::deque<Block> spare;  // written, ready for reuse
  bool busy = false;
  bool stopping = false;
  std::exception_ptr error;
  // The thread's own.
  bool direct = false;
  std::int64_t offset = 0;
  std::int64_t window_start = 0;
  std::thread thread;
};

BlobStore::Writer::Writer(const BlobStore& store)
    : store_(store),
      file_(std::make_unique<AtomicFile>(store.dir_ / "incoming")),
      spool_(std::make_unique<Spool>(file_->fd(), file_->temp_path())) {}

// The spool's thread must stop before the file it writes to is removed.
BlobStore::Writer::~Writer() {
  spool_.reset();
}

void BlobStore::Writer::write(std::span<const std::byte> data) {
  if (!file_ || content_digest_)
    throw Error("blob writer: write() after commit");
  hash_.update(data);
  size_ += static_cast<std::int64_t>(data.size());
  spool_->append(data);
}

void BlobStore::Writer::finish() {
  commit();
}

const Digest& BlobStore::Writer::content_digest() {
  if (!content_digest_)
    content_digest_ = hash_.finish();
  return *content_digest_;
}

Digest BlobStore::Writer::commit(const std::optional<Digest>& expected) {
  if (digest_)
    return *digest_;
  if (!file_)
    throw Error("blob writer: commit() after a failed commit");
  spool_->finish();
  spool_.reset();
  std::unique_ptr<AtomicFile> file = std::move(file_);
  Digest actual = content_digest();
  if (expected && *expected != actual) {
    throw Error("blob content hashes to " + actual.str() + ", expected " + expected->str(),
                "the source is corrupted or changed while it was read");
  }
  // A blob already present with the right size is kept; one with the wrong size (left by some
  // other tool) is replaced.
  if (store_.size_of(actual) != size_)
    file->commit_as(store_.path_of(actual));
  digest_ = actual;
  return actual;
}

std::unique_ptr<BlobStore::Writer> BlobStore::begin_write() const {
  return std::unique_ptr<Writer>(new Writer(*this));
}

Digest BlobStore::put(std::string_view data) const {
  Digest digest = Digest::of(data);
  if (size_of(digest) != static_cast<std::int64_t>(data.size())) {
    write_file_atomically(path_of(digest), data);
  }
  return digest;
}

std::string BlobStore::read(const Digest& digest) const {
  fs::path path = path_of(digest);
  UniqueFd fd = open(digest);
  std::string data;
  std::byte buf[64 * 1024];
  for (;;) {
    std::size_t n = read_some(fd.get(), buf, path);
    if (n == 0)
      break;
    data.append(reinterpret_cast<const char*>(buf), n);
  }
  Digest actual = Digest::of(data);
  if (actual != digest)
    throw corrupted(digest, path, actual);
  return data;
}

UniqueFd BlobStore::open(const Digest& digest) const {
  if (!has(digest))
    throw Error("blob " + digest.str() + " is missing from " + dir_.string());
  return std::move(open_regular_file(path_of(digest)).fd);
}

void BlobStore::verify(const Digest& digest) const {
  UniqueFd fd = open(digest);
  Digest actual = hash_fd(fd.get(), path_of(digest));
  if (actual != digest)
    throw corrupted(digest, path_of(digest), actual);
}

void BlobStore::import_from(const BlobStore& other, const Digest& digest, std::int64_t size) const {
  if (size_of(digest) == size)
    return;
  fs::path source = other.path_of(digest);
  auto refused = [&](const std::string& why) {
    return InputError(source.string() + " is not blob " + digest.str() + ": " + why,
                      "the layout is damaged or was tampered with; write it again from its "
                      "source");
  };
  RegularFile in = [&] {
    try {
      return open_regular_file(source);
    } catch (const Error& e) {
      throw refused(e.reason());
    }
  }();
  if (in.size != size) {
    throw refused("it has " + std::to_string(in.size) + " bytes, its descriptor says " +
                  std::to_string(size));
  }
  ::posix_fadvise(in.fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  auto writer = begin_write();
  copy_fd(in.fd.get(), source, *writer, size);
  if (writer->size() != size)
    throw refused("its size changed while it was copied");
  if (const Digest& actual = writer->content_digest(); actual != digest)
    throw refused("its content hashes to " + actual.str());
  writer->commit();
}

void BlobStore::link_from(const BlobStore& trusted, const Digest& digest) const {
  if (has(digest))
    return;
  if (!trusted.has(digest)) {
    throw Error("blob " + digest.str() + " is missing from " + trusted.dir_.string());
  }
  fs::path source = trusted.path_of(digest);
  RegularFile in = open_regular_file(source);
  // Linking /proc/self/fd/N links the very inode just checked, not whatever the name points at
  // by now. A link publishes the complete file under its final name in one step, and fails
  // with EEXIST when a concurrent writer got there first, which is as good.
  std::string opened = "/proc/self/fd/" + std::to_string(in.fd.get());
  if (::linkat(AT_FDCWD, opened.c_str(), AT_FDCWD, path_of(digest).c_str(), AT_SYMLINK_FOLLOW) ==
          0 ||
      errno == EEXIST) {
    fsync_dir(dir_);
    return;
  }
  // Across file systems, without /proc, or where links are not allowed: a verified copy.
  auto writer = begin_write();
  copy_fd(in.fd.get(), source, *writer, std::numeric_limits<std::int64_t>::max());
  writer->commit(digest);
}

}  // namespace stowage::layers
