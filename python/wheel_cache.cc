#include "python/wheel_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "core/file.h"
#include "layers/digest.h"
#include "net/url.h"
#include "python/index_fetch.h"

namespace stowage::python {
namespace fs = std::filesystem;

namespace {

std::string expected_text(const std::vector<std::string>& accepted) {
  std::string out;
  for (const auto& h : accepted)
    out += (out.empty() ? "sha256:" : " or sha256:") + h;
  return out;
}

bool accepted_digest(const std::vector<std::string>& accepted, const std::string& hex) {
  return std::find(accepted.begin(), accepted.end(), hex) != accepted.end();
}

// What identifies the bytes a listing points at without reading them.
std::string memo_key(const IndexFile& file) {
  if (!file.url.empty())
    return layers::Digest::of("url\n" + file.url).hex().data();
  struct stat st {};
  if (::stat(file.path.c_str(), &st) != 0) {
    throw Error("cannot read " + file.path.string() + ": " + errno_text(errno));
  }
  std::string id = "path\n" + file.path.string() + "\n" + std::to_string(st.st_dev) + "\n" +
                   std::to_string(st.st_ino) + "\n" + std::to_string(st.st_size) + "\n" +
                   std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) +
                   "\n" + std::to_string(st.st_ctim.tv_sec) + "." +
                   std::to_string(st.st_ctim.tv_nsec);
  return std::string(layers::Digest::of(id).hex());
}

// A temporary file in the store, removed unless it is renamed into place.
class TempFile {
 public:
  explicit TempFile(const fs::path& dir) {
    static std::atomic<unsigned> counter{0};
    path_ = temporary_sibling(dir / ("download-" + std::to_string(counter++)));
    fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd_)
      throw Error("cannot create " + path_.string() + ": " + errno_text(errno));
  }
  ~TempFile() {
    if (!path_.empty())
      ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void restart() {
    if (::ftruncate(fd_.get(), 0) != 0 || ::lseek(fd_.get(), 0, SEEK_SET) != 0) {
      throw Error("cannot rewind " + path_.string() + ": " + errno_text(errno));
    }
  }
  void write(std::span<const std::byte> data) { write_all(fd_.get(), data, path_); }
  void commit(const fs::path& final_path) {
    if (::fsync(fd_.get()) != 0)
      throw Error("cannot sync " + path_.string() + ": " + errno_text(errno));
    fd_ = UniqueFd();
    if (::rename(path_.c_str(), final_path.c_str()) != 0) {
      throw Error("cannot store " + final_path.string() + ": " + errno_text(errno));
    }
    path_.clear();
  }

 private:
  fs::path path_;
  UniqueFd fd_;
};

}  // namespace

WheelCache::WheelCache(fs::path dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "files");
  fs::create_directories(dir_ / "memo");
  remove_stale_temporaries(dir_ / "files");
}

WheelCache::Fetched WheelCache::fetch(net::HttpClient& http, const IndexFile& file,
                                      const std::vector<std::string>& accepted,
                                      const SourceLocation& lock_line) const {
  std::string where = file.url.empty() ? file.path.string() : net::redact_url(file.url);
  auto mismatch = [&](const std::string& actual, const std::string& how) {
    return Error("hash mismatch for " + file.filename + " (" + where + "): expected " +
                     expected_text(accepted) + ", " + how + " sha256:" + actual,
                 "the file differs from the one the lock was made with; if the change is "
                 "intended, regenerate the lock, else check the index",
                 lock_line);
  };
  if (file.sha256) {
    if (!accepted_digest(accepted, *file.sha256))
      throw mismatch(*file.sha256, "the index states");
    fs::path cached = dir_ / "files" / *file.sha256;
    if (fs::exists(cached))
      return {cached, *file.sha256, false};
  }
  fs::path memo = dir_ / "memo" / memo_key(file);
  if (fs::exists(memo)) {
    std::string hex = read_file(memo);
    fs::path cached = dir_ / "files" / hex;
    if (accepted_digest(accepted, hex) && fs::exists(cached))
      return {cached, hex, false};
  }

  TempFile temp(dir_ / "files");
  layers::Sha256 hash;
  auto sink = [&](std::span<const std::byte> data) {
    hash.update(data);
    temp.write(data);
  };
  if (!file.url.empty()) {
    download(http, file.url, sink, [&] {
      hash = layers::Sha256();
      temp.restart();
    });
  } else {
    UniqueFd in = open_for_reading(file.path);
    std::vector<std::byte> buf(1 << 18);
    while (std::size_t n = read_some(in.get(), buf, file.path))
      sink(std::span(buf.data(), n));
  }
  std::string hex(hash.finish().hex());
  if (!accepted_digest(accepted, hex))
    throw mismatch(hex, "got");
  fs::path final_path = dir_ / "files" / hex;
  temp.commit(final_path);
  write_file_atomically(memo, hex);
  return {final_path, hex, true};
}

}  // namespace stowage::python
