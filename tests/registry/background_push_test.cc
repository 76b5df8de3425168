// Pushing blobs while an image is still being built (BackgroundPush), then the manifest with
// push_image(pushed_ahead), against a real docker-registry on loopback, read back by skopeo.
#include "registry/background_push.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "tests/registry/registry_test_util.h"
#include "tests/registry/test_image.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::testing;
using registry::BlobOutcome;
using registry::Client;
using registry::LocalBlobSource;
using registry::Reference;

namespace {

std::vector<std::shared_ptr<registry::BlobSource>> local(const TestImage& image) {
  return {std::make_shared<LocalBlobSource>(image.root)};
}

}  // namespace

TEST_CASE("blobs pushed ahead are uploaded once and reported as uploaded by push_image") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {400 * 1024, 2 * 1024 * 1024, 10}, 3);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/ahead/app:v1");

  registry::PushOptions options;
  options.parallelism = 2;
  registry::BackgroundPush background(client, ref, local(image), options);
  for (const auto& l : image.manifest.layers)
    background.add(l);
  background.add(image.manifest.layers[1]);  // handed over twice, pushed once
  auto ahead = background.finish();
  REQUIRE(ahead.size() == image.manifest.layers.size());
  for (std::size_t i = 0; i < ahead.size(); ++i) {
    CHECK(ahead[i].blob.digest == image.manifest.layers[i].digest);
    CHECK(ahead[i].outcome == BlobOutcome::uploaded);
    CHECK(ahead[i].bytes_uploaded == image.manifest.layers[i].size);
  }
  // Nothing is tagged before the manifest goes up.
  CHECK(run({"skopeo", "inspect", "--tls-verify=false", "docker://" + ref.str()}).exit_code != 0);

  auto report = registry::push_image(client, ref, image.image, local(image), options, ahead);
  CHECK_FALSE(report.manifest_present);
  REQUIRE(report.blobs.size() == 4);
  CHECK(report.blobs[0].blob.digest == image.manifest.config.digest);
  for (const auto& b : report.blobs)
    CHECK(b.outcome == BlobOutcome::uploaded);
  std::int64_t total = image.manifest.config.size;
  for (const auto& l : image.manifest.layers)
    total += l.size;
  CHECK(report.bytes_uploaded() == total);
  CHECK(skopeo_digest(ref.str()) == image.digest.str());
  // One upload (PUT with the digest) per blob: the layers pushed ahead were not sent again.
  CHECK(server.count_log_lines({"\"PUT /v2/ahead/app/blobs/uploads/", "\" 201 "}) == 4);
}

TEST_CASE("a blob no source has fails finish(), and the destructor waits without finish()") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {100 * 1024}, 4);
  TestImage other = make_test_image(dir / "other", {100 * 1024}, 5);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/ahead/fail:v1");

  SECTION("finish() rethrows the failure") {
    registry::BackgroundPush background(client, ref, local(image), {});
    background.add(other.manifest.layers[0]);
    CHECK_THROWS_AS(background.finish(), Error);
  }
  SECTION("destroyed without finish()") {
    {
      registry::BackgroundPush background(client, ref, local(image), {});
      background.add(image.manifest.layers[0]);
    }
    // Whatever got through is a complete blob; the tag was never written.
    CHECK(run({"skopeo", "inspect", "--tls-verify=false", "docker://" + ref.str()}).exit_code != 0);
  }
}
