// Helpers shared by the libFuzzer targets in fuzz/.
//
// A target feeds the bytes it is given to one parser and lets through only the exceptions the
// parser's contract names (stowage::Error, InputError). Anything else that escapes (an
// std::out_of_range from a stray substr, a yaml-cpp or JSON exception, a crash, a sanitizer
// report, a hang) is a finding: libFuzzer stops and saves the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/file.h"

namespace stowage::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the target checks: when it does not hold, abort(), which libFuzzer reports as a
// crash and saves the input for.
inline void require(bool holds) {
  if (!holds)
    std::abort();
}

// Runs `check` (the parse and the properties of its result); an exception of type `Refusal`,
// the one the parser's contract names for bad input, ends it as a normal run. Anything else
// escapes to libFuzzer as a finding.
template <class Refusal, class Check>
void refusing(Check&& check) {
  try {
    check();
  } catch (const Refusal&) {
  }
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
