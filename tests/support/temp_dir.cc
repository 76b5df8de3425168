#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace stowage::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "stowage-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

void write_random(const std::filesystem::path& path, std::int64_t size, unsigned seed) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> block(1 << 16);
  while (size > 0) {
    for (auto& w : block)
      w = rng();
    auto n = std::min<std::int64_t>(size, static_cast<std::int64_t>(block.size() * 8));
    out.write(reinterpret_cast<const char*>(block.data()), n);
    size -= n;
  }
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

}  // namespace stowage::testing
