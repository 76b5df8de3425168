#include "tests/support/pushable_image.h"

#include "core/file.h"
#include "layers/media_type.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace stowage::testing {

namespace {

layers::Descriptor store_blob(const std::filesystem::path& root, const std::string& media_type,
                              const std::string& data) {
  layers::Descriptor d{media_type,
                       layers::Digest::of(data),
                       static_cast<std::int64_t>(data.size()),
                       {},
                       std::nullopt};
  write_text(root / "blobs" / "sha256" / std::string(d.digest.hex()), data);
  return d;
}

}  // namespace

std::vector<std::shared_ptr<registry::BlobSource>> local(const TestImage& image) {
  return {std::make_shared<registry::LocalBlobSource>(image.root)};
}

TestImage make_test_image(const std::filesystem::path& root, const std::vector<std::int64_t>& sizes,
                          unsigned seed) {
  TestImage t;
  t.root = root;
  layers::ImageConfig config;
  config.created = "1970-01-01T00:00:01Z";
  config.config.cmd = {"/bin/true"};
  TempDir work;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    auto dir = work / ("layer" + std::to_string(i));
    write_random(dir / ("file" + std::to_string(i)), sizes[i], seed + static_cast<unsigned>(i));
    auto tar = work / ("layer" + std::to_string(i) + ".tar");
    run_ok({"tar", "--sort=name", "--mtime=@1", "--owner=0", "--group=0", "--numeric-owner", "-C",
            dir.string(), "-cf", tar.string(), "."});
    auto layer = store_blob(root, std::string(layers::media_type::kOciLayerTar), read_file(tar));
    config.diff_ids.push_back(layer.digest);
    t.manifest.layers.push_back(layer);
  }
  t.image.raw_config = layers::to_json(config);
  t.manifest.config =
      store_blob(root, std::string(layers::media_type::kOciConfig), t.image.raw_config);
  t.image.raw_manifest = layers::to_json(t.manifest);
  t.digest =
      store_blob(root, std::string(layers::media_type::kOciManifest), t.image.raw_manifest).digest;
  return t;
}

void write_layout(const TestImage& image, const std::string& tag) {
  layers::Index index;
  layers::Descriptor d{std::string(layers::media_type::kOciManifest),
                       image.digest,
                       static_cast<std::int64_t>(image.image.raw_manifest.size()),
                       {{"org.opencontainers.image.ref.name", tag}},
                       std::nullopt};
  index.manifests.push_back(d);
  write_text(image.root / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  write_text(image.root / "index.json", layers::to_json(index));
}

}  // namespace stowage::testing
