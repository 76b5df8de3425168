// File-system primitives with RAII ownership and the durability rules stowage relies on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace stowage {

// Owns a POSIX file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

// Opens `path` read-only; throws Error naming the path on failure.
UniqueFd open_for_reading(const std::filesystem::path& path);

// Which file a path named when it was looked at (device and inode). Comparing it with the file
// later opened notices a file swapped for another, or for a symlink, in between.
struct FileIdentity {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

// A regular file opened for reading, never through a symlink.
struct RegularFile {
  UniqueFd fd;
  std::int64_t size = 0;
  FileIdentity identity;
};

// Opens `path` read-only with O_NOFOLLOW and checks that it is a regular file. Throws Error
// naming the path when it is a symlink, not a regular file, or cannot be opened.
RegularFile open_regular_file(const std::filesystem::path& path);

// Reads a whole regular file (not through a symlink) of at most `max_size` bytes, for
// documents that an attacker may have made huge or pointed at /dev/zero. Throws Error naming
// the path and the limit when it is larger.
std::string read_regular_file(const std::filesystem::path& path, std::size_t max_size);

// Reads up to buf.size() bytes, retrying on EINTR; returns 0 at end of file. Throws Error.
std::size_t read_some(int fd, std::span<std::byte> buf,
                      const std::filesystem::path& path_for_errors);

// Writes all of `data`, retrying on EINTR and short writes. Throws Error.
void write_all(int fd, std::span<const std::byte> data,
               const std::filesystem::path& path_for_errors);

// Whole-file helpers for small files (configs, manifests). Throw Error.
std::string read_file(const std::filesystem::path& path);

// A file that becomes visible at its final path only when commit() succeeds.
//
// Data goes to a uniquely named temporary file in the same directory; commit() fsyncs it,
// renames it over `final_path` and fsyncs the directory. If the object is destroyed without
// commit() (an exception, a crash), the temporary file is removed, so a partial file is never
// visible under the final name. A SIGKILL can leave a "*.tmp-*" file behind; it is never
// mistaken for real content and is cleaned by whoever owns the directory.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path final_path);
  AtomicFile(AtomicFile&&) = delete;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  int fd() const { return fd_.get(); }
  const std::filesystem::path& temp_path() const { return temp_path_; }
  void write(std::span<const std::byte> data);
  void write(std::string_view data);
  // fsync + rename + directory fsync. After this the object owns nothing.
  void commit();
  // commit(), but to `path` instead of the final path given at construction: for content whose
  // name is known only once it is written (a blob named by its digest). `path` must be in the
  // same directory as the final path. Throws Error.
  void commit_as(const std::filesystem::path& path);

 private:
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

// Writes `data` to `path` through an AtomicFile.
void write_file_atomically(const std::filesystem::path& path, std::string_view data);

// True for names AtomicFile uses for its temporary files.
bool is_temporary_name(std::string_view filename);

// The name for a temporary sibling of `path` owned by this process ("<path>.tmp-<pid>"), in
// the format remove_stale_temporaries() recognises.
std::filesystem::path temporary_sibling(const std::filesystem::path& path);

// Removes the temporary files and directories in `dir` whose name starts with `prefix` and
// whose owning process no longer exists (left behind by a killed stowage). Those of live
// processes are kept, since they may be another build at work.
void remove_stale_temporaries(const std::filesystem::path& dir, std::string_view prefix = {});

}  // namespace stowage
