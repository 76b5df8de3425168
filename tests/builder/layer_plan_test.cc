#include "builder/layer_plan.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using namespace stowage::builder;
using stowage::layers::Compression;
using stowage::layers::TarEntry;
using stowage::recipes::LayerClass;

namespace {

ContentItem file(const std::string& path, std::int64_t size, LayerClass cls) {
  ContentItem item;
  item.entry.path = path;
  item.entry.size = size;
  item.layer_class = cls;
  return item;
}

ContentItem dir(const std::string& path, LayerClass cls) {
  ContentItem item;
  item.entry.path = path;
  item.entry.type = TarEntry::Type::directory;
  item.entry.mode = 0700;
  item.layer_class = cls;
  return item;
}

std::vector<std::string> paths(const PlannedLayer& layer) {
  std::vector<std::string> out;
  for (const auto& i : layer.items)
    out.push_back(i.entry.path);
  return out;
}

}  // namespace

TEST_CASE("classes are ordered by change rate, big items first with a layer each") {
  PlanOptions options;
  options.own_layer_threshold = 100;
  auto plan = plan_layers({file("app/main.py", 10, LayerClass::code),
                           file("models/b.safetensors", 200, LayerClass::model),
                           file("models/config.json", 5, LayerClass::model),
                           file("models/a.safetensors", 300, LayerClass::model)},
                          options);
  REQUIRE(plan.size() == 4);
  CHECK(plan[0].layer_class == LayerClass::model);
  CHECK(plan[0].description == "model: models/a.safetensors");
  CHECK(plan[1].description == "model: models/b.safetensors");
  CHECK(plan[2].description == "model (1 file)");
  CHECK(plan[3].layer_class == LayerClass::code);
  // Parents are explicit and sorted before children.
  CHECK(paths(plan[3]) == std::vector<std::string>{"app", "app/main.py"});
  CHECK(plan[0].compression == Compression::none);
  CHECK(plan[2].compression == Compression::zstd);
}

TEST_CASE("a declared directory keeps its attributes wherever it appears as a parent") {
  PlanOptions options;
  options.own_layer_threshold = 100;
  auto plan =
      plan_layers({dir("models", LayerClass::model), file("models/big.bin", 500, LayerClass::model),
                   file("models/small.txt", 1, LayerClass::model)},
                  options);
  REQUIRE(plan.size() == 2);
  for (const auto& layer : plan) {
    REQUIRE(layer.items.front().entry.path == "models");
    CHECK(layer.items.front().entry.mode == 0700);
  }
}

TEST_CASE("the budget merges the smallest layers of a class first") {
  PlanOptions options;
  options.own_layer_threshold = 10;
  options.budget = 4;  // 1 base + 2 content + meta
  options.base_layers = 1;
  auto plan =
      plan_layers({file("m/a.bin", 1000, LayerClass::model), file("m/b.bin", 20, LayerClass::model),
                   file("m/c.bin", 30, LayerClass::model)},
                  options);
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].bytes == 1000);
  CHECK(plan[1].bytes == 50);
  CHECK(paths(plan[1]) == std::vector<std::string>{"m", "m/b.bin", "m/c.bin"});
}

TEST_CASE("a budget that cannot be met is refused with a hint") {
  PlanOptions options;
  options.budget = 3;
  options.base_layers = 2;
  CHECK_THROWS_AS(
      plan_layers({file("a", 1, LayerClass::model), file("b", 1, LayerClass::code)}, options),
      stowage::InputError);
}

TEST_CASE("forced compression applies to every layer") {
  PlanOptions options;
  options.forced_compression = Compression::gzip;
  auto plan = plan_layers({file("w.safetensors", 5, LayerClass::model)}, options);
  CHECK(plan[0].compression == Compression::gzip);
}

TEST_CASE("weights are recognised by extension, case-insensitively") {
  CHECK(is_incompressible_name("model.safetensors"));
  CHECK(is_incompressible_name("pytorch_model.BIN"));
  CHECK(is_incompressible_name("q4.gguf"));
  CHECK_FALSE(is_incompressible_name("config.json"));
  CHECK_FALSE(is_incompressible_name("bin"));
}

TEST_CASE("a group (one wheel) is one unit: its own layer when its files total the threshold") {
  PlanOptions options;
  options.own_layer_threshold = 100;
  auto in_group = [](ContentItem item, const std::string& group) {
    item.group = group;
    return item;
  };
  // torch's files are each small but total 120; six's total 15; numpy's one file is 60.
  auto plan = plan_layers(
      {in_group(file("site/torch/a.so", 70, LayerClass::framework), "torch==2.5.1"),
       in_group(file("site/torch/b.py", 50, LayerClass::framework), "torch==2.5.1"),
       in_group(file("site/six.py", 10, LayerClass::dependencies), "six==1.16.0"),
       in_group(file("site/six-1.16.0.dist-info/RECORD", 5, LayerClass::dependencies),
                "six==1.16.0"),
       in_group(file("site/numpy/core.so", 60, LayerClass::dependencies), "numpy==2.1.0"),
       file("app/main.py", 500, LayerClass::code)},
      options);
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].description == "framework: torch==2.5.1");
  CHECK(paths(plan[0]) ==
        std::vector<std::string>{"site", "site/torch", "site/torch/a.so", "site/torch/b.py"});
  CHECK(plan[0].bytes == 120);
  CHECK(plan[1].layer_class == LayerClass::dependencies);
  CHECK(plan[1].files == 3);  // six and numpy bundled, neither reaching the threshold alone
  CHECK(plan[2].description == "code: app/main.py");
}
