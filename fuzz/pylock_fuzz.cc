// PEP 751 locks (python/lock.h): parse or throw InputError (never a TOML library
// exception); every package kept names at least one hashed file.
#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "python/lock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  refusing<stowage::InputError>([&] {
    auto lock =
        stowage::python::parse_pylock(as_text(data, size), "/nonexistent-fuzz-dir/pylock.toml", {});
    for (const auto& p : lock.packages) {
      require(!p.name.empty() && !p.files.empty());
      for (const auto& f : p.files)
        require(!f.sha256.empty());
    }
  });
  return 0;
}
