// Pushing blobs while an image is still being built (BackgroundPush), then the manifest with
// push_image(pushed_ahead), against a real docker-registry on loopback, read back by skopeo.
#include "registry/background_push.h"

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/file.h"
#include "registry/stream_upload.h"
#include "tests/support/image_readers.h"
#include "tests/support/loopback_client.h"
#include "tests/support/pushable_image.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::testing;
using registry::BlobOutcome;
using registry::Client;
using registry::Reference;

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

TEST_CASE("a blob streamed while it is produced is committed by digest; the image reads back") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {3 * 1024 * 1024 + 17, 200 * 1024}, 6);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/stream/app:v1");
  CHECK(registry::repository_is_new(client, ref));

  const auto& big = image.manifest.layers[0];
  std::string bytes = read_file(image.root / "blobs" / "sha256" / big.digest.hex());
  std::optional<registry::BlobReport> streamed;
  {
    registry::StreamingUpload stream(client, ref);
    // Odd-sized writes, as a compressor would make them.
    for (std::size_t at = 0; at < bytes.size(); at += 300001) {
      auto piece = std::string_view(bytes).substr(at, 300001);
      stream.write(std::as_bytes(std::span(piece.data(), piece.size())));
    }
    stream.finish();
    streamed = stream.commit(big);
  }
  REQUIRE(streamed);
  CHECK(streamed->outcome == BlobOutcome::uploaded);
  CHECK(streamed->bytes_uploaded == big.size);
  CHECK(server.count_log_lines({"\"PATCH /v2/stream/app/blobs/uploads/", "\" 202 "}) == 1);

  auto report = registry::push_image(client, ref, image.image, local(image), {}, {*streamed});
  CHECK(report.blobs[1].bytes_uploaded == big.size);
  CHECK(skopeo_digest(ref.str()) == image.digest.str());
  CHECK_FALSE(registry::repository_is_new(client, ref));
  // The layer went up once: by the stream, not again by push_image.
  CHECK(server.count_log_lines({"\"PUT /v2/stream/app/blobs/uploads/", "\" 201 "}) == 3);
}

TEST_CASE("a stream that does not match its descriptor is not committed") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {100 * 1024}, 7);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/stream/bad:v1");
  const auto& layer = image.manifest.layers[0];
  std::string bytes = read_file(image.root / "blobs" / "sha256" / layer.digest.hex());

  SECTION("too few bytes") {
    registry::StreamingUpload stream(client, ref);
    auto half = std::string_view(bytes).substr(0, bytes.size() / 2);
    stream.write(std::as_bytes(std::span(half.data(), half.size())));
    stream.finish();
    CHECK_FALSE(stream.commit(layer));
  }
  SECTION("other bytes of the same size: the registry refuses the digest") {
    std::string other(bytes.size(), 'x');
    registry::StreamingUpload stream(client, ref);
    stream.write(std::as_bytes(std::span(other.data(), other.size())));
    stream.finish();
    CHECK_FALSE(stream.commit(layer));
  }
  SECTION("destroyed before finish()") {
    registry::StreamingUpload stream(client, ref);
    stream.write(std::as_bytes(std::span(bytes.data(), bytes.size() / 3)));
  }
  // Nothing was committed under the layer's digest.
  CHECK(run({"curl", "-sfI",
             "http://" + server.host() + "/v2/stream/bad/blobs/" + layer.digest.str()})
            .exit_code != 0);
}
