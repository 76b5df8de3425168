// A temporary directory removed (recursively) when the object goes away.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace stowage::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent directories.
void write_text(const std::filesystem::path& path, std::string_view content);
// Writes `size` pseudo-random (incompressible) bytes derived from `seed`.
void write_random(const std::filesystem::path& path, std::int64_t size, unsigned seed);

}  // namespace stowage::testing
