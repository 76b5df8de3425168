// Rebuilds touch only what changed: the promise of layering by change rate and the cache.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/file.h"
#include "tests/support/image_integrity.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;
using nlohmann::json;

namespace {

void make_project(const fs::path& dir) {
  write_random(dir / "models/a.safetensors", 2 << 20, 1);
  write_random(dir / "models/b.safetensors", 3 << 20, 2);
  write_text(dir / "models/config.json", "{\"layers\": 2}\n");
  for (int i = 0; i < 20; ++i) {
    write_text(dir / ("app/module" + std::to_string(i) + ".py"),
               "VALUE = " + std::to_string(i) + "\n");
  }
  // serve.command must be executable in the image, or the build refuses it.
  fs::permissions(dir / "app/module0.py", fs::perms::owner_exec, fs::perm_options::add);
  write_text(dir / "stowage.yaml", R"(name: rebuild
base: scratch
model:
  - {src: models/, dst: /models}
code:
  - {src: app/, dst: /app}
serve:
  command: [/app/module0.py]
layering:
  own_layer_threshold: 1Mi
)");
}

json build_json(const fs::path& recipe, const fs::path& out, const fs::path& cache) {
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", cache.string()}};
  std::string stdout_text = run_ok(
      {stowage_binary().string(), "build", recipe.string(), "--output", out.string(), "--json"},
      options);
  return json::parse(stdout_text);
}

std::set<std::string> blob_names(const fs::path& layout) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(layout / "blobs/sha256")) {
    names.insert(e.path().filename().string());
  }
  return names;
}

std::vector<std::string> layer_digests(const json& result) {
  std::vector<std::string> out;
  for (const auto& l : result["layers"])
    out.push_back(l["digest"]);
  return out;
}

std::size_t count_different(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  REQUIRE(a.size() == b.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    n += a[i] != b[i] ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("a one-line code change writes exactly one new layer blob") {
  TempDir tmp;
  make_project(tmp / "src");
  auto recipe = tmp / "src/stowage.yaml";
  auto out = tmp / "out";
  auto first = build_json(recipe, out, tmp / "cache");
  REQUIRE(first["layers"].size() == 5);  // a, b, small model files, code, meta
  auto before = blob_names(out);

  write_text(tmp / "src/app/module7.py", "VALUE = 'changed'\n");
  auto second = build_json(recipe, out, tmp / "cache");
  auto after = blob_names(out);

  std::vector<std::string> added;
  for (const auto& name : after) {
    if (before.count(name) == 0)
      added.push_back(name);
  }
  // The code layer, the config and the manifest; the meta layer did not change.
  CHECK(added.size() == 3);
  CHECK(count_different(layer_digests(first), layer_digests(second)) == 1);
  CHECK(second["layers"][3]["class"] == "code");
  CHECK(second["layers"][3]["cached"] == false);
  CHECK(second["layers"][3]["digest"] != first["layers"][3]["digest"]);
  // Only the code layer's files were read again.
  CHECK(second["bytesRead"].get<std::int64_t>() < 1024);
}

TEST_CASE("changing one model file of several rebuilds only that file's layer") {
  TempDir tmp;
  make_project(tmp / "src");
  auto recipe = tmp / "src/stowage.yaml";
  auto first = build_json(recipe, tmp / "out", tmp / "cache");
  write_random(tmp / "src/models/b.safetensors", 3 << 20, 99);
  auto second = build_json(recipe, tmp / "out", tmp / "cache");
  REQUIRE(count_different(layer_digests(first), layer_digests(second)) == 1);
  // b is the larger file, so it comes first among the model layers.
  CHECK(second["layers"][0]["description"] == "model: models/b.safetensors");
  CHECK(second["layers"][0]["digest"] != first["layers"][0]["digest"]);
  CHECK(second["bytesRead"] == 3 << 20);
}

TEST_CASE("with unchanged inputs a second build reads no file content") {
  TempDir tmp;
  make_project(tmp / "src");
  auto recipe = tmp / "src/stowage.yaml";
  auto first = build_json(recipe, tmp / "out1", tmp / "cache");
  CHECK(first["bytesRead"].get<std::int64_t>() > 5 << 20);
  auto second = build_json(recipe, tmp / "out2", tmp / "cache");
  CHECK(second["bytesRead"] == 0);
  CHECK(second["manifest"]["digest"] == first["manifest"]["digest"]);
  for (std::size_t i = 0; i + 1 < second["layers"].size(); ++i) {
    CHECK(second["layers"][i]["cached"] == true);
  }
}

TEST_CASE("two concurrent builds sharing one cache both succeed with correct images") {
  TempDir tmp;
  make_project(tmp / "src");
  auto recipe = tmp / "src/stowage.yaml";
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", (tmp / "cache").string()}};
  std::vector<std::unique_ptr<BackgroundProcess>> builds;
  for (const char* out : {"out1", "out2"}) {
    builds.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{stowage_binary().string(), "build", recipe.string(), "--output",
                                 (tmp / out).string()},
        tmp / (std::string(out) + ".log"), options));
  }
  for (auto& b : builds) {
    for (int i = 0; i < 600 && b->running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE_FALSE(b->running());
  }
  INFO("log 1: " << stowage::read_file(tmp / "out1.log"));
  INFO("log 2: " << stowage::read_file(tmp / "out2.log"));
  auto d1 = layout_manifest_digest(tmp / "out1", "latest");
  auto d2 = layout_manifest_digest(tmp / "out2", "latest");
  REQUIRE_FALSE(d1.empty());
  CHECK(d1 == d2);
  CHECK(all_blobs_intact(tmp / "out1"));
  CHECK(all_blobs_intact(tmp / "cache"));
  // A later build against the shared cache finds everything.
  auto again = build_json(recipe, tmp / "out3", tmp / "cache");
  CHECK(again["bytesRead"] == 0);
}
