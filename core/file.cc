#include "core/file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>

#include "core/error.h"

namespace stowage {
namespace {

constexpr std::string_view kTempMarker = ".tmp-";

std::string unique_suffix() {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rng() % 1000000);
}

void fsync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    throw Error("cannot open directory " + dir.string() + ": " + errno_text(errno));
  if (::fsync(fd.get()) != 0 && errno != EINVAL) {
    throw Error("cannot sync directory " + dir.string() + ": " + errno_text(errno));
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0)
    ::close(fd_);
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

UniqueFd open_for_reading(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    throw Error("cannot open " + path.string() + ": " + errno_text(errno));
  return fd;
}

RegularFile open_regular_file(const std::filesystem::path& path) {
  RegularFile file;
  file.fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!file.fd) {
    if (errno == ELOOP)
      throw Error(path.string() + " is a symlink, not a regular file");
    throw Error("cannot open " + path.string() + ": " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(file.fd.get(), &st) != 0)
    throw Error("cannot stat " + path.string() + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode))
    throw Error(path.string() + " is not a regular file");
  file.size = static_cast<std::int64_t>(st.st_size);
  file.identity = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  return file;
}

std::string read_regular_file(const std::filesystem::path& path, std::size_t max_size) {
  RegularFile file = open_regular_file(path);
  auto too_large = [&] {
    return Error(path.string() + " is larger than the " + std::to_string(max_size) +
                 " bytes allowed for it");
  };
  if (static_cast<std::uint64_t>(file.size) > max_size)
    throw too_large();
  std::string out;
  out.reserve(static_cast<std::size_t>(file.size));
  std::byte buf[64 * 1024];
  // The size is checked while reading too: the file may grow after the fstat.
  for (;;) {
    std::size_t n = read_some(file.fd.get(), buf, path);
    if (n == 0)
      break;
    if (out.size() + n > max_size)
      throw too_large();
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  return out;
}

std::size_t read_some(int fd, std::span<std::byte> buf, const std::filesystem::path& path) {
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n >= 0)
      return static_cast<std::size_t>(n);
    if (errno != EINTR)
      throw Error("cannot read " + path.string() + ": " + errno_text(errno));
  }
}

void write_all(int fd, std::span<const std::byte> data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw Error("cannot write " + path.string() + ": " + errno_text(errno));
    }
    data = data.subspan(static_cast<std::size_t>(n));
  }
}

std::string read_file(const std::filesystem::path& path) {
  UniqueFd fd = open_for_reading(path);
  std::string out;
  std::byte buf[64 * 1024];
  for (;;) {
    std::size_t n = read_some(fd.get(), buf, path);
    if (n == 0)
      break;
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  return out;
}

AtomicFile::AtomicFile(std::filesystem::path final_path) : final_path_(std::move(final_path)) {
  temp_path_ = final_path_;
  temp_path_ += std::string(kTempMarker) + unique_suffix();
  fd_ = UniqueFd(::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd_)
    throw Error("cannot create " + temp_path_.string() + ": " + errno_text(errno));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    fd_ = UniqueFd();
    ::unlink(temp_path_.c_str());
  }
}

void AtomicFile::write(std::span<const std::byte> data) {
  write_all(fd_.get(), data, temp_path_);
}

void AtomicFile::write(std::string_view data) {
  write(std::as_bytes(std::span(data)));
}

void AtomicFile::commit() {
  commit_as(final_path_);
}

void AtomicFile::commit_as(const std::filesystem::path& path) {
  if (::fsync(fd_.get()) != 0) {
    throw Error("cannot sync " + temp_path_.string() + ": " + errno_text(errno));
  }
  if (::close(fd_.release()) != 0) {
    throw Error("cannot close " + temp_path_.string() + ": " + errno_text(errno));
  }
  if (::rename(temp_path_.c_str(), path.c_str()) != 0) {
    throw Error("cannot rename " + temp_path_.string() + " to " + path.string() + ": " +
                errno_text(errno));
  }
  committed_ = true;
  fsync_directory(path.parent_path());
}

void write_file_atomically(const std::filesystem::path& path, std::string_view data) {
  AtomicFile file(path);
  file.write(data);
  file.commit();
}

bool is_temporary_name(std::string_view filename) {
  return filename.find(kTempMarker) != std::string_view::npos;
}

std::filesystem::path temporary_sibling(const std::filesystem::path& path) {
  std::filesystem::path p = path;
  p += std::string(kTempMarker) + std::to_string(getpid());
  return p;
}

void remove_stale_temporaries(const std::filesystem::path& dir, std::string_view prefix) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    auto marker = name.find(kTempMarker);
    if (marker == std::string::npos || !std::string_view(name).starts_with(prefix))
      continue;
    std::string_view rest = std::string_view(name).substr(marker + kTempMarker.size());
    pid_t pid = 0;
    for (char c : rest) {
      if (c < '0' || c > '9')
        break;
      pid = pid * 10 + (c - '0');
    }
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      std::error_code remove_ec;
      std::filesystem::remove_all(it->path(), remove_ec);
    }
  }
}

}  // namespace stowage
