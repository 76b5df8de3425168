#include "layers/oci_layout.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "layers/layer_writer.h"
#include "layers/media_type.h"
#include "tests/support/layer_samples.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::layers;
using stowage::testing::make_sample_tree;
using stowage::testing::run_ok;
using stowage::testing::TempDir;
using stowage::testing::write_tree_layer;

namespace {

// Writes a complete one-layer image into the layout and returns its manifest descriptor.
Descriptor write_image(const OciLayout& layout, const fs::path& tree, const std::string& cmd) {
  // gzip: umoci 0.4 does not read zstd layers.
  LayerResult layer =
      write_tree_layer(layout.blobs(), tree, CompressionOptions{.algorithm = Compression::gzip});
  ImageConfig config;
  config.created = rfc3339(1);
  config.config.cmd = {cmd};
  config.diff_ids = {layer.diff_id};
  std::string config_json = to_json(config);
  Manifest manifest;
  manifest.config = {std::string(media_type::kOciConfig),
                     layout.blobs().put(config_json),
                     static_cast<std::int64_t>(config_json.size()),
                     {},
                     std::nullopt};
  manifest.layers = {layer.descriptor};
  std::string manifest_json = to_json(manifest);
  return Descriptor{std::string(media_type::kOciManifest),
                    layout.blobs().put(manifest_json),
                    static_cast<std::int64_t>(manifest_json.size()),
                    {},
                    std::nullopt};
}

}  // namespace

TEST_CASE("a new layout has oci-layout, an empty index and a blob directory", "[oci_layout]") {
  TempDir tmp;
  OciLayout layout = OciLayout::open_or_create(tmp / "image");
  auto marker = nlohmann::json::parse(stowage::read_file(tmp / "image/oci-layout"));
  CHECK(marker == nlohmann::json{{"imageLayoutVersion", "1.0.0"}});
  auto index = nlohmann::json::parse(stowage::read_file(tmp / "image/index.json"));
  CHECK(index["schemaVersion"] == 2);
  CHECK(index["manifests"].empty());
  CHECK(fs::is_directory(tmp / "image/blobs/sha256"));
  CHECK(OciLayout::open(tmp / "image").index().manifests.empty());
}

TEST_CASE("tags live in index.json and skopeo and umoci read the image", "[oci_layout]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 3);
  OciLayout layout = OciLayout::open_or_create(tmp / "image");
  Descriptor first = write_image(layout, tmp / "src", "first");
  Descriptor second = write_image(layout, tmp / "src", "second");
  layout.tag(first, "v1");
  layout.tag(first, "latest");
  layout.tag(second, "latest");  // replaces the old "latest"

  auto index = nlohmann::json::parse(stowage::read_file(tmp / "image/index.json"));
  REQUIRE(index["manifests"].size() == 2);
  CHECK(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "v1");
  CHECK(index["manifests"][1]["annotations"]["org.opencontainers.image.ref.name"] == "latest");
  CHECK(index["manifests"][1]["digest"] == second.digest.str());

  OciLayout reopened = OciLayout::open(tmp / "image");
  CHECK(reopened.find("v1").digest == first.digest);
  CHECK(reopened.find("latest").digest == second.digest);
  CHECK_THROWS_WITH(reopened.find("v2"), Catch::Contains("v1") && Catch::Contains("latest"));
  CHECK_THROWS_AS(reopened.find(""), stowage::InputError);  // two images: ambiguous

  auto inspect = nlohmann::json::parse(
      run_ok({"skopeo", "inspect", "--config", "oci:" + (tmp / "image").string() + ":latest"}));
  CHECK(inspect["config"]["Cmd"][0] == "second");
  run_ok({"umoci", "unpack", "--rootless", "--image", (tmp / "image").string() + ":v1",
          (tmp / "bundle").string()});
  CHECK(stowage::read_file(tmp / "bundle/rootfs/app/main.py") ==
        stowage::read_file(tmp / "src/app/main.py"));
  CHECK(fs::read_symlink(tmp / "bundle/rootfs/app/python") == "/usr/bin/python3");
}

TEST_CASE("a single image is found without a tag", "[oci_layout]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 3);
  OciLayout layout = OciLayout::open_or_create(tmp / "image");
  Descriptor d = write_image(layout, tmp / "src", "only");
  layout.tag(d, "only");
  CHECK(OciLayout::open_or_create(tmp / "image").find("").digest == d.digest);
}

TEST_CASE("directories that are not layouts are refused", "[oci_layout]") {
  TempDir tmp;
  CHECK_THROWS_WITH(OciLayout::open(tmp / "missing"), Catch::Contains("not an OCI image layout"));
  stowage::testing::write_text(tmp / "busy/notes.txt", "mine");
  CHECK_THROWS_AS(OciLayout::open_or_create(tmp / "busy"), stowage::InputError);
  CHECK(fs::exists(tmp / "busy/notes.txt"));
  CHECK_FALSE(fs::exists(tmp / "busy/oci-layout"));
  stowage::testing::write_text(tmp / "old/oci-layout", R"({"imageLayoutVersion":"2.0.0"})");
  stowage::testing::write_text(tmp / "old/index.json", R"({"schemaVersion":2,"manifests":[]})");
  CHECK_THROWS_WITH(OciLayout::open(tmp / "old"), Catch::Contains("2.0.0"));
}

TEST_CASE("opening a layout removes the temporaries of killed writers, not of live ones",
          "[oci_layout]") {
  TempDir tmp;
  OciLayout::open_or_create(tmp / "image");
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0)
    ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  std::string dead = ".tmp-" + std::to_string(child) + "-1-1";
  std::string live = ".tmp-" + std::to_string(::getpid()) + "-1-1";
  for (const auto& name : {"index.json" + dead, "index.json" + live, "blobs/sha256/incoming" + dead,
                           "blobs/sha256/incoming" + live}) {
    stowage::testing::write_text(tmp / "image" / name, "partial");
  }
  OciLayout::open(tmp / "image");
  CHECK_FALSE(fs::exists(tmp / "image" / ("index.json" + dead)));
  CHECK_FALSE(fs::exists(tmp / "image/blobs/sha256" / ("incoming" + dead)));
  CHECK(fs::exists(tmp / "image" / ("index.json" + live)));
  CHECK(fs::exists(tmp / "image/blobs/sha256" / ("incoming" + live)));
}
