// A model or code file swapped between the walk that plans the layers and the read that writes
// them (for a symlink to a host file, for another file, or a directory on its path for a
// symlink) must fail the build naming the file, never put the swapped-in content in the image.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "builder/content.h"
#include "core/error.h"
#include "layers/tar_writer.h"
#include "recipes/recipe.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage;
using namespace stowage::testing;

namespace {

class DiscardSink final : public layers::ByteSink {
 public:
  void write(std::span<const std::byte>) override {}
  void finish() override {}
};

// Writes a layer of `items` the way the builder does: sorted, parents first.
void write_layer(std::vector<builder::ContentItem> items) {
  std::sort(items.begin(), items.end(),
            [](const auto& a, const auto& b) { return a.entry.path < b.entry.path; });
  DiscardSink sink;
  layers::TarWriter writer(sink, layers::TarOptions{});
  for (const auto& item : items)
    writer.add(item.entry);
  writer.finish();
}

}  // namespace

TEST_CASE("a source swapped after the walk fails the layer, naming the file") {
  TempDir dir;
  fs::path models = dir / "project" / "models";
  // The host file has the size of the model file, so no size check can notice the swap.
  write_text(models / "sub" / "weights.bin", "model weights\n");
  write_text(dir / "host" / "weights.bin", "host secrets!\n");
  write_text(dir / "project" / "stowage.yaml",
             "name: swapped\nbase: scratch\nmodel:\n  - {src: models/, dst: /models}\n");
  auto items = builder::collect_recipe_content(recipes::load_recipe(dir / "project/stowage.yaml"));
  fs::path file = models / "sub" / "weights.bin";

  SECTION("the file for a symlink to a host file") {
    fs::remove(file);
    fs::create_symlink(dir / "host" / "weights.bin", file);
  }
  SECTION("the file for another file") {
    fs::rename(dir / "host" / "weights.bin", file);
  }
  SECTION("a directory on its path for a symlink to a host directory") {
    fs::rename(models / "sub", dir / "moved");
    fs::create_directory_symlink(dir / "host", models / "sub");
  }
  try {
    write_layer(items);
    FAIL("the swapped file was archived");
  } catch (const Error& e) {
    CHECK(e.exit_code() == 1);
    CHECK_THAT(e.what(), Catch::Contains(file.string()) &&
                             Catch::Contains("changed while building; run again"));
  }
}

TEST_CASE("an unchanged tree is written as walked") {
  TempDir dir;
  write_text(dir / "project" / "models" / "sub" / "weights.bin", "model weights\n");
  write_text(dir / "project" / "stowage.yaml",
             "name: kept\nbase: scratch\nmodel:\n  - {src: models/, dst: /models}\n");
  write_layer(builder::collect_recipe_content(recipes::load_recipe(dir / "project/stowage.yaml")));
}
