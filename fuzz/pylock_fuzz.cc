// PEP 751 locks (builder/wheels/lock.h): parse or throw InputError (never a TOML library
// exception); every package kept names at least one hashed file.
#include <cstdlib>

#include "builder/wheels/lock.h"
#include "core/error.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto lock = stowage::builder::wheels::parse_pylock(stowage::fuzz::as_text(data, size),
                                                       "/nonexistent-fuzz-dir/pylock.toml", {});
    for (const auto& p : lock.packages) {
      if (p.name.empty() || p.files.empty())
        std::abort();
      for (const auto& f : p.files) {
        if (f.sha256.empty())
          std::abort();
      }
    }
  } catch (const stowage::InputError&) {
  }
  return 0;
}
