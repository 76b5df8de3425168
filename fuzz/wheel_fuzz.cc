// Installing a wheel (python/wheel_install.h) from arbitrary zip bytes and streaming
// every file it installs: it succeeds or throws Error; whatever it installs is made of plain
// files at clean relative paths, each producing exactly its declared size.
#include <filesystem>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "python/wheel_install.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  MemoryFile wheel(data, size);
  stowage::python::InstallScheme scheme{"usr/lib/python3/dist-packages",
                                        "usr/lib/python3/dist-packages",
                                        "usr/bin",
                                        "usr/include/python3.11",
                                        "usr",
                                        "/usr/bin/python3"};
  refusing<stowage::Error>([&] {
    auto installed =
        stowage::python::install_wheel(wheel.path(), "demo-1.0-py3-none-any.whl", scheme);
    for (const auto& f : installed.files) {
      const std::string& path = f.entry.path;
      require(f.entry.type == stowage::layers::TarEntry::Type::file && !path.empty() &&
              path.front() != '/');
      for (const auto& part : std::filesystem::path(path))
        require(part != "." && part != ".." && !part.empty());
      std::int64_t produced = 0;
      if (f.entry.content) {
        produced = static_cast<std::int64_t>(f.entry.content->size());
      } else if (f.entry.content_source) {
        f.entry.content_source->stream([&](std::span<const std::byte> block) {
          produced += static_cast<std::int64_t>(block.size());
        });
      }
      require(produced == f.entry.size);
    }
  });
  return 0;
}
