// Pushing to and pulling from a real docker-registry on loopback, read back by skopeo.
#include "registry/push.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "layers/media_type.h"
#include "registry/pull.h"
#include "tests/support/image_readers.h"
#include "tests/support/loopback_client.h"
#include "tests/support/pushable_image.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::testing;
using registry::BlobOutcome;
using registry::Client;
using registry::LocalBlobSource;
using registry::Reference;
using registry::RegistryBlobSource;

namespace {

// Copies `ref` into an OCI layout with skopeo and returns the digests of what it wrote.
std::vector<std::string> skopeo_copy_blobs(const std::string& ref,
                                           const std::filesystem::path& dir) {
  run_ok({"skopeo", "copy", "--src-tls-verify=false", "--preserve-digests",
          "--dest-oci-accept-uncompressed-layers", "docker://" + ref,
          "oci:" + dir.string() + ":x"});
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir / "blobs" / "sha256")) {
    out.push_back("sha256:" + e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE(
    "anonymous push is read back by skopeo with identical digests; a second push sends 0 bytes") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {300 * 1024, 5 * 1024 * 1024, 10}, 1);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/team/app:v1");

  std::vector<std::string> progress_blobs;
  std::mutex progress_mutex;
  registry::PushOptions options;
  options.progress = [&](const layers::Digest& d, std::int64_t done, std::int64_t total) {
    std::lock_guard lock(progress_mutex);
    if (done == total)
      progress_blobs.push_back(d.str());
  };
  auto report = registry::push_image(client, ref, image.image, local(image), options);
  CHECK(report.manifest_digest == image.digest);
  CHECK(report.reference.str() == ref.str() + "@" + image.digest.str());
  CHECK_FALSE(report.manifest_present);
  REQUIRE(report.blobs.size() == 4);
  std::int64_t total = 0;
  for (const auto& b : report.blobs) {
    CHECK(b.outcome == BlobOutcome::uploaded);
    CHECK(b.bytes_uploaded == b.blob.size);
    total += b.blob.size;
  }
  CHECK(report.bytes_uploaded() == total);
  CHECK(progress_blobs.size() == 4);

  CHECK(skopeo_digest(ref.str()) == image.digest.str());
  std::vector<std::string> expected = {image.digest.str(), image.manifest.config.digest.str()};
  for (const auto& l : image.manifest.layers)
    expected.push_back(l.digest.str());
  std::sort(expected.begin(), expected.end());
  CHECK(skopeo_copy_blobs(ref.str(), dir / "copy") == expected);

  auto json = nlohmann::json::parse(registry::to_json(report));
  CHECK(json["digest"] == image.digest.str());
  CHECK(json["blobs"].size() == 4);
  CHECK(json["blobs"][0]["outcome"] == "uploaded");

  SECTION("a second push of the same image uploads nothing") {
    Client again(loopback_options(server.host()));
    auto second = registry::push_image(again, ref, image.image, local(image));
    CHECK(second.manifest_present);
    CHECK(second.bytes_uploaded() == 0);
    for (const auto& b : second.blobs)
      CHECK(b.outcome == BlobOutcome::present);
  }
  SECTION("a new tag for the same image sends only the manifest") {
    auto retag = registry::push_image(client, ref.with_tag("v2"), image.image, local(image));
    CHECK(retag.bytes_uploaded() == 0);
    CHECK(skopeo_digest(ref.with_tag("v2").str()) == image.digest.str());
  }
  SECTION("fetch_image reads back manifest and config, verified") {
    auto pulled = registry::fetch_image(client, ref);
    CHECK(pulled.manifest_document.raw == image.image.raw_manifest);
    CHECK(pulled.raw_config == image.image.raw_config);
    CHECK(pulled.manifest.layers.size() == 3);
    CHECK(pulled.reference.digest() == image.digest);
    CHECK(pulled.config.diff_ids.size() == 3);
    CHECK_FALSE(pulled.index);
  }
}

TEST_CASE("chunked uploads send PATCHes of at most the chunk size") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {600 * 1024}, 2);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/chunked:v1");
  registry::PushOptions options;
  options.chunk_size = 128 * 1024;
  auto report = registry::push_image(client, ref, image.image, local(image), options);
  CHECK(skopeo_digest(ref.str()) == image.digest.str());
  // The layer is ~600 KiB: at least 5 PATCHes of 128 KiB.
  CHECK(server.count_log_lines({"\"PATCH /v2/chunked/blobs/uploads/", "\" 202 "}) >= 5);
  CHECK(report.bytes_uploaded() == image.manifest.layers[0].size + image.manifest.config.size);
}

TEST_CASE("base layers are mounted from the base repository on the same registry") {
  RegistryServer server;
  TempDir dir;
  TestImage base = make_test_image(dir / "base", {200 * 1024, 100 * 1024}, 10);
  Client client(loopback_options(server.host()));
  Reference base_ref = Reference::parse(server.host() + "/library/base:1");
  registry::push_image(client, base_ref, base.image, local(base));

  // The app: the base's two layers plus one new local layer, built in another directory that
  // holds only the new layer (as a build that never downloaded the base would).
  TestImage top = make_test_image(dir / "app", {50 * 1024}, 20);
  layers::Manifest m = top.manifest;
  m.layers.insert(m.layers.begin(), base.manifest.layers.begin(), base.manifest.layers.end());
  layers::ImageConfig config = layers::parse_config(top.image.raw_config);
  config.diff_ids.insert(config.diff_ids.begin(), base.manifest.layers[0].digest);
  config.diff_ids.insert(config.diff_ids.begin() + 1, base.manifest.layers[1].digest);
  registry::ImageToPush app;
  app.raw_config = layers::to_json(config);
  m.config.digest = layers::Digest::of(app.raw_config);
  m.config.size = static_cast<std::int64_t>(app.raw_config.size());
  app.raw_manifest = layers::to_json(m);

  Reference app_ref = Reference::parse(server.host() + "/team/app:1");
  auto report = registry::push_image(client, app_ref, app,
                                     {std::make_shared<LocalBlobSource>(top.root),
                                      std::make_shared<RegistryBlobSource>(client, base_ref)});
  REQUIRE(report.blobs.size() == 4);
  CHECK(report.blobs[1].outcome == BlobOutcome::mounted);
  CHECK(report.blobs[1].mounted_from == "library/base");
  CHECK(report.blobs[2].outcome == BlobOutcome::mounted);
  CHECK(report.blobs[3].outcome == BlobOutcome::uploaded);
  CHECK(report.bytes_uploaded() ==
        static_cast<std::int64_t>(app.raw_config.size()) + top.manifest.layers[0].size);
  // The registry saw the mounts succeed (201) and no upload of the base layers into team/app.
  CHECK(server.count_log_lines(
            {"\"POST /v2/team/app/blobs/uploads/?mount=", "from=library", "\" 201 "}) == 2);
  CHECK(server.count_log_lines({"\"PUT /v2/team/app/blobs/uploads/", "\" 201 "}) == 2);
  CHECK(skopeo_digest(app_ref.str()) == layers::Digest::of(app.raw_manifest).str());

  SECTION("from another registry the base layers stream through without being stored") {
    RegistryServer target;
    registry::ClientOptions o = loopback_options(server.host());
    o.insecure_registries.push_back(target.host());
    Client client2(o);
    Reference far = Reference::parse(target.host() + "/team/app:1");
    auto streamed = registry::push_image(client2, far, app,
                                         {std::make_shared<LocalBlobSource>(top.root),
                                          std::make_shared<RegistryBlobSource>(client2, base_ref)});
    CHECK(streamed.blobs[1].outcome == BlobOutcome::uploaded);
    CHECK(streamed.blobs[1].bytes_uploaded == base.manifest.layers[0].size);
    CHECK(skopeo_digest(far.str()) == layers::Digest::of(app.raw_manifest).str());
    std::vector<std::string> expected = {layers::Digest::of(app.raw_manifest).str(),
                                         m.config.digest.str()};
    for (const auto& l : m.layers)
      expected.push_back(l.digest.str());
    std::sort(expected.begin(), expected.end());
    CHECK(skopeo_copy_blobs(far.str(), dir / "far-copy") == expected);
  }
}

TEST_CASE("a push that cannot complete leaves no tag behind") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {1000, 2000}, 3);
  std::filesystem::remove(dir / "img" / "blobs" / "sha256" /
                          std::string(image.manifest.layers[1].digest.hex()));
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/partial:v1");
  try {
    registry::push_image(client, ref, image.image, local(image));
    FAIL("pushed an image with a missing blob");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(image.manifest.layers[1].digest.str()));
    CHECK_THAT(e.what(), Catch::Contains("none of its sources"));
  }
  CHECK(server.count_log_lines({"\"PUT /v2/partial/manifests/"}) == 0);
  CHECK_THROWS_AS(registry::fetch_manifest(client, ref), Error);
}

TEST_CASE("an index resolves to the requested platform; unknown platforms are named") {
  RegistryServer server;
  TempDir dir;
  TestImage amd = make_test_image(dir / "amd", {1000}, 4);
  TestImage arm = make_test_image(dir / "arm", {2000}, 5);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/multi:v1");
  layers::Index index;
  for (auto [img, arch] : {std::pair{&amd, "amd64"}, std::pair{&arm, "arm64"}}) {
    registry::push_image(client, ref.with_digest(img->digest), img->image, local(*img));
    layers::Descriptor d{std::string(layers::media_type::kOciManifest),
                         img->digest,
                         static_cast<std::int64_t>(img->image.raw_manifest.size()),
                         {},
                         layers::Platform{"linux", arch, ""}};
    index.manifests.push_back(d);
  }
  std::string raw_index = layers::to_json(index);
  auto pinned = registry::push_index(client, ref, raw_index);
  CHECK(pinned.digest() == layers::Digest::of(raw_index));
  CHECK(skopeo_digest(ref.str()) == layers::Digest::of(raw_index).str());

  auto image = registry::fetch_image(client, ref, layers::Platform::parse("linux/arm64"));
  REQUIRE(image.index);
  CHECK(image.index->raw == raw_index);
  CHECK(image.manifest_document.descriptor.digest == arm.digest);
  CHECK(image.raw_config == arm.image.raw_config);
  CHECK(image.reference.digest() == arm.digest);
  try {
    registry::fetch_image(client, ref, layers::Platform::parse("linux/s390x"));
    FAIL("found an image for s390x");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("no image for linux/s390x"));
    CHECK_THAT(e.hint(), Catch::Contains("linux/amd64, linux/arm64"));
  }
}

TEST_CASE("fetch_image through a cache asks only for the tag, and nothing for a pinned reference") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {1000}, 9);
  Reference ref = Reference::parse(server.host() + "/cached/app:v1");
  {
    Client pusher(loopback_options(server.host()));
    registry::push_image(pusher, ref, image.image, local(image));
  }
  layers::BlobStore cache(dir / "cache");
  // Requests for `what`, each from a new client as a new stowage process would make them (so
  // each pings the registry again).
  auto gets_for = [&](const std::function<void(Client&)>& what) {
    int before = server.count_log_lines({"\"GET /v2/"});
    Client client(loopback_options(server.host()));
    what(client);
    return server.count_log_lines({"\"GET /v2/"}) - before;
  };

  // Cold: the ping, the manifest by tag, the config.
  CHECK(gets_for([&](Client& c) {
          CHECK(registry::fetch_image(c, ref, {}, &cache).raw_config == image.image.raw_config);
        }) == 3);
  CHECK(cache.read(image.digest) == image.image.raw_manifest);
  CHECK(cache.read(image.manifest.config.digest) == image.image.raw_config);
  // Warm, by tag: the tag may have moved, so it is asked; the config comes from the cache.
  CHECK(gets_for([&](Client& c) {
          auto again = registry::fetch_image(c, ref, {}, &cache);
          CHECK(again.reference.digest() == image.digest);
          CHECK(again.raw_config == image.image.raw_config);
        }) == 2);
  // Warm, pinned by digest: no request at all, not even the ping.
  CHECK(gets_for([&](Client& c) {
          auto pinned = registry::fetch_image(c, ref.with_digest(image.digest), {}, &cache);
          CHECK(pinned.manifest_document.raw == image.image.raw_manifest);
          CHECK(pinned.raw_config == image.image.raw_config);
        }) == 0);
}

TEST_CASE("push_layout pushes an OCI layout's tagged image; fetch_layers pulls it into a store") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "layout", {70 * 1024, 30 * 1024}, 14);
  write_layout(image, "v1");
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/from/layout:latest");
  auto report = registry::push_layout(client, dir / "layout", "v1", ref);
  CHECK(report.manifest_digest == image.digest);
  CHECK(skopeo_digest(ref.str()) == image.digest.str());
  CHECK_THROWS_AS(registry::push_layout(client, dir / "layout", "nope", ref), InputError);

  layers::BlobStore store(dir / "store");
  auto pulled = registry::fetch_image(client, ref);
  registry::fetch_layers(client, pulled, store);
  for (const auto& l : image.manifest.layers) {
    REQUIRE(store.has(l.digest));
    CHECK(store.size_of(l.digest) == l.size);
    store.verify(l.digest);
  }
}

// Not run by default (Catch2 hidden tag): `registry_push_test "[.bench]"`. Pushes a 1 GiB
// image from an OCI layout with push_layout and with `skopeo copy`, side by side, to the same
// loopback registry (different repositories, so neither finds the other's blobs).
TEST_CASE("bench: 1 GiB OCI layout push vs skopeo copy", "[.bench]") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "layout", {512 << 20, 256 << 20, 256 << 20}, 15);
  write_layout(image, "v1");
  Client client(loopback_options(server.host()));
  auto t0 = std::chrono::steady_clock::now();
  auto report = registry::push_layout(client, dir / "layout", "v1",
                                      Reference::parse(server.host() + "/a:v1"));
  auto t1 = std::chrono::steady_clock::now();
  run_ok({"skopeo", "copy", "--dest-tls-verify=false", "--preserve-digests",
          "oci:" + (dir / "layout").string() + ":v1", "docker://" + server.host() + "/b:v1"});
  auto t2 = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  WARN("stowage push_layout: " << ms(t1 - t0) << " ms for " << report.bytes_uploaded()
                               << " bytes; skopeo copy: " << ms(t2 - t1) << " ms");
  CHECK(skopeo_digest(server.host() + "/a:v1") == skopeo_digest(server.host() + "/b:v1"));
}

TEST_CASE("a mount the registry answers with an upload session is used for the upload") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {40 * 1024}, 16);
  Client client(loopback_options(server.host()));
  Reference ref = Reference::parse(server.host() + "/fallback/app:v1");
  // "empty/base" does not hold the layer, so the registry opens an upload instead of mounting.
  auto report = registry::push_image(client, ref, image.image,
                                     {std::make_shared<RegistryBlobSource>(
                                          client, Reference::parse(server.host() + "/empty/base")),
                                      std::make_shared<LocalBlobSource>(image.root)});
  CHECK(report.blobs[1].outcome == BlobOutcome::uploaded);
  CHECK(server.count_log_lines({"\"POST /v2/fallback/app/blobs/uploads/?mount=", "\" 202 "}) == 2);
  // No separate session was opened: every upload went into a session the mount attempt opened.
  CHECK(server.count_log_lines({"\"POST /v2/fallback/app/blobs/uploads/ "}) == 0);
  CHECK(skopeo_digest(ref.str()) == image.digest.str());
}
