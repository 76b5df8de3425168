// The layer reader (layers/tar_reader.h) on arbitrary bytes (plain, gzip or zstd tar): it reads
// entries and their content or throws Error; every path it returns is relative and has no ".."
// component.
#include <array>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "layers/tar_reader.h"

namespace {

bool escapes(const std::string& path) {
  if (path.empty() || path.front() == '/')
    return true;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos)
      slash = path.size();
    if (path.compare(start, slash - start, "..") == 0 && slash - start == 2)
      return true;
    start = slash + 1;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  using Type = stowage::layers::TarReaderEntry::Type;
  MemoryFile file(data, size);
  refusing<stowage::Error>([&] {
    stowage::layers::TarReader reader(file.path());
    std::array<std::byte, 4096> buf;
    // Bounded: a corrupt archive must not make the reader loop forever.
    for (int entries = 0; entries < 10000; ++entries) {
      auto entry = reader.next();
      if (!entry)
        break;
      require(!escapes(entry->path));
      require(entry->type != Type::hardlink || !escapes(entry->link_target));
      std::int64_t total = 0;
      while (std::size_t n = reader.read(buf))
        total += static_cast<std::int64_t>(n);
      require(entry->type != Type::file || total <= entry->size);
    }
  });
  return 0;
}
