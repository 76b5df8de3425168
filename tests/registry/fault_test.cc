// A misbehaving proxy in front of a real registry: 5xx, 429 with Retry-After, a connection
// dropped mid-upload, a stall. The push must survive all of them and the image read back (from
// the registry directly, by skopeo) must be exactly the one pushed.
#include <catch2/catch.hpp>

#include "core/error.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "tests/support/image_readers.h"
#include "tests/support/loopback_client.h"
#include "tests/support/pushable_image.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::testing;
using registry::Client;
using registry::Reference;

namespace {

registry::ClientOptions proxy_options(const FaultProxy& proxy) {
  registry::ClientOptions o = loopback_options(proxy.host());
  o.stall_timeout = std::chrono::seconds(1);
  return o;
}

}  // namespace

TEST_CASE("monolithic push through a failing proxy: 503, 429 + Retry-After, drop, stall") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {400 * 1024, 300 * 1024}, 11);
  FaultProxy proxy(server.port(), {
                                      {"GET", "/v2/", 1, "status", 503},
                                      {"HEAD", "/manifests/", 1, "stall", 0, -1, 3},
                                      {"HEAD", "/blobs/", 1, "status", 429, 1},
                                      {"POST", "/blobs/uploads/", 1, "status", 500},
                                      {"PUT", "/blobs/uploads/", 1, "drop"},
                                      {"PUT", "/blobs/uploads/", 3, "status", 502},
                                      {"PUT", "/manifests/", 1, "status", 503, 0},
                                  });
  Client client(proxy_options(proxy));
  Reference ref = Reference::parse(proxy.host() + "/faulty/app:v1");
  auto started = std::chrono::steady_clock::now();
  registry::PushOptions options;
  options.parallelism = 1;
  auto report = registry::push_image(client, ref, image.image, local(image), options);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(report.manifest_digest == image.digest);
  std::string log = proxy.log();
  INFO(log);
  CHECK_THAT(log, Catch::Contains("GET /v2/ -> 503"));
  CHECK_THAT(log, Catch::Contains("-> stall"));
  CHECK_THAT(log, Catch::Contains("-> 429"));
  CHECK_THAT(log, Catch::Contains("-> drop"));
  CHECK_THAT(log, Catch::Contains("-> 502"));
  // Retry-After: 1 was honoured (and the stall waited out the 1 s stall timeout).
  CHECK(took >= std::chrono::seconds(2));
  CHECK(skopeo_digest(server.host() + "/faulty/app:v1") == image.digest.str());
  // The read-back is byte-exact: fetch_image verifies manifest and config digests.
  Client direct(loopback_options(server.host()));
  auto pulled = registry::fetch_image(direct, Reference::parse(server.host() + "/faulty/app:v1"));
  CHECK(pulled.raw_config == image.image.raw_config);

  // Layers pulled back through the proxy survive a 503 and a stall, and arrive verified.
  FaultProxy pull_proxy(server.port(), {
                                           {"GET", "/blobs/sha256:", 1, "status", 503, 0},
                                           {"GET", "/blobs/sha256:", 2, "stall", 0, -1, 3},
                                       });
  Client puller(proxy_options(pull_proxy));
  layers::BlobStore store(dir / "store");
  auto remote =
      registry::fetch_image(puller, Reference::parse(pull_proxy.host() + "/faulty/app:v1"));
  registry::fetch_layers(puller, remote, store, 1);
  for (const auto& l : image.manifest.layers) {
    REQUIRE(store.has(l.digest));
    store.verify(l.digest);
  }
  INFO(pull_proxy.log());
  CHECK_THAT(pull_proxy.log(), Catch::Contains("-> stall"));
}

TEST_CASE("chunked push resumes from the registry's Range after a dropped PATCH") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {512 * 1024}, 12);
  FaultProxy proxy(server.port(), {
                                      {"PATCH", "/blobs/uploads/", 3, "drop"},
                                      {"PATCH", "/blobs/uploads/", 5, "status", 503, 0},
                                  });
  Client client(proxy_options(proxy));
  Reference ref = Reference::parse(proxy.host() + "/resume/app:v1");
  registry::PushOptions options;
  options.chunk_size = 100 * 1024;
  options.parallelism = 1;
  auto report = registry::push_image(client, ref, image.image, local(image), options);
  std::string log = proxy.log();
  INFO(log);
  CHECK_THAT(log, Catch::Contains("-> drop"));
  // The session's status was asked, and the upload went on in the same session: the layer
  // went out once plus the half chunk dropped plus the chunk refused, not from byte 0 again.
  CHECK_THAT(log, Catch::Contains("GET /v2/resume/app/blobs/uploads/"));
  CHECK(report.blobs.size() == 2);
  const auto& layer = report.blobs[1];
  CHECK(layer.bytes_uploaded <= layer.blob.size + 2 * options.chunk_size);
  CHECK(skopeo_digest(server.host() + "/resume/app:v1") == image.digest.str());
}

// The end of the session's Range is the registry's number: INT64_MAX once overflowed
// `last + 1`, and a negative end became a negative offset to read the blob from.
TEST_CASE("a session status with an impossible Range starts a new session") {
  for (const std::string range : {"0-9223372036854775807", "0--5"}) {
    INFO(range);
    RegistryServer server;
    TempDir dir;
    TestImage image = make_test_image(dir / "img", {512 * 1024}, 13);
    ProxyFault drop{"PATCH", "/blobs/uploads/", 2, "drop"};
    ProxyFault status{"GET", "/blobs/uploads/", 1, "range"};
    status.range = range;
    FaultProxy proxy(server.port(), {drop, status});
    Client client(proxy_options(proxy));
    Reference ref = Reference::parse(proxy.host() + "/range/app:v1");
    registry::PushOptions options;
    options.chunk_size = 100 * 1024;
    options.parallelism = 1;
    registry::push_image(client, ref, image.image, local(image), options);
    std::string log = proxy.log();
    INFO(log);
    CHECK_THAT(log, Catch::Contains("-> 204 range"));
    CHECK(skopeo_digest(server.host() + "/range/app:v1") == image.digest.str());
  }
}

TEST_CASE("a registry that keeps failing ends in a clear error and no tag") {
  RegistryServer server;
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {1000}, 13);
  std::vector<ProxyFault> faults;
  for (int i = 1; i <= 10; ++i)
    faults.push_back({"PUT", "/blobs/uploads/", i, "status", 503, 0});
  FaultProxy proxy(server.port(), faults);
  registry::ClientOptions o = proxy_options(proxy);
  o.retry.max_attempts = 3;
  Client client(o);
  Reference ref = Reference::parse(proxy.host() + "/down/app:v1");
  try {
    registry::push_image(client, ref, image.image, local(image));
    FAIL("push succeeded through a registry that always fails");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("failed after 3 attempts"));
    CHECK_THAT(e.what(), Catch::Contains("HTTP 503"));
  }
  CHECK(server.count_log_lines({"PUT /v2/down/app/manifests/"}) == 0);
}
