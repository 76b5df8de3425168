// A recipe's directory with content for `src` to point at, for the recipe tests.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"
#include "recipes/recipe.h"
#include "tests/support/temp_dir.h"

namespace stowage::recipes::testing {

class RecipeDir {
 public:
  // Creates models/weights.safetensors, models/config.json and app/main.py.
  RecipeDir();

  const std::filesystem::path& path() const { return tmp_.path(); }
  std::filesystem::path file() const { return tmp_ / "stowage.yaml"; }
  // parse_recipe() on `yaml` as if it were this directory's stowage.yaml.
  Recipe parse(std::string_view yaml) const;
  // The InputError parse() throws; fails the test when it throws nothing.
  InputError error(std::string_view yaml) const;

 private:
  stowage::testing::TempDir tmp_;
};

// The text of tests/recipes/data/NAME.
std::string example(std::string_view name);

}  // namespace stowage::recipes::testing
