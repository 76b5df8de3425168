// The recipe parser (recipes/recipe.h) on arbitrary text: it either returns a Recipe or throws
// InputError; nothing else may escape.
#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "recipes/recipe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  // The directory does not exist, so `src` and `rootfs:` paths are refused, never read.
  refusing<stowage::InputError>([&] {
    stowage::recipes::parse_recipe(as_text(data, size), "/nonexistent-fuzz-dir/stowage.yaml");
  });
  return 0;
}
