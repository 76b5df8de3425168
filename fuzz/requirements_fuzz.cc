// Requirements locks (python/lock.h): parse or throw InputError; every package kept is
// pinned and hashed.
#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "python/lock.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  refusing<stowage::InputError>([&] {
    auto lock = stowage::python::parse_requirements(as_text(data, size),
                                                    "/nonexistent-fuzz-dir/requirements.lock", {});
    for (const auto& p : lock.packages)
      require(!p.name.empty() && !p.version.empty() && (!p.sha256.empty() || !p.files.empty()));
  });
  return 0;
}
