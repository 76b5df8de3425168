// The recipe parser (recipes/recipe.h) on arbitrary text: it either returns a Recipe or throws
// InputError; nothing else may escape.
#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "recipes/recipe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // The directory does not exist, so `src` and `rootfs:` paths are refused, never read.
    stowage::recipes::parse_recipe(stowage::fuzz::as_text(data, size),
                                   "/nonexistent-fuzz-dir/stowage.yaml");
  } catch (const stowage::InputError&) {
  }
  return 0;
}
