// Helpers shared by the libFuzzer targets in fuzz/.
//
// A target feeds the bytes it is given to one parser and lets through only the exceptions the
// parser's contract names (stowage::Error, InputError). Anything else that escapes (an
// std::out_of_range from a stray substr, a yaml-cpp or JSON exception, a crash, a sanitizer
// report, a hang) is a finding: libFuzzer stops and saves the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/file.h"

namespace stowage::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The bytes as an anonymous in-memory file, for readers that take a path: path() names it
// through /proc/self/fd. Closed (and gone) when destroyed.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size);
  const std::filesystem::path& path() const { return path_; }

 private:
  UniqueFd fd_;
  std::filesystem::path path_;
};

// A fresh scratch directory under $TMPDIR, removed when destroyed.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace stowage::fuzz
