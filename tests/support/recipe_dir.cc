#include "tests/support/recipe_dir.h"

#include <catch2/catch.hpp>

#include "core/file.h"
#include "tests/support/process.h"

namespace stowage::recipes::testing {

RecipeDir::RecipeDir() {
  stowage::testing::write_text(tmp_ / "models/weights.safetensors", "weights");
  stowage::testing::write_text(tmp_ / "models/config.json", "{}");
  stowage::testing::write_text(tmp_ / "app/main.py", "print('hi')\n");
}

Recipe RecipeDir::parse(std::string_view yaml) const {
  return parse_recipe(yaml, file());
}

InputError RecipeDir::error(std::string_view yaml) const {
  try {
    parse(yaml);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("the recipe was accepted:\n" << yaml);
  throw std::logic_error("unreachable");
}

std::string example(std::string_view name) {
  return read_file(stowage::testing::source_dir() / "tests/recipes/data" / name);
}

}  // namespace stowage::recipes::testing
