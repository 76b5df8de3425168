// Basic auth over TLS and Bearer token auth against a real docker-registry.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "core/error.h"
#include "registry/base64.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "registry/transport/registry_transport.h"
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

const char* kUser = "alice";
const char* kPassword = "correct-horse-9f2c";

registry::ClientOptions options_with(const std::filesystem::path& config_json,
                                     const std::string& insecure = "") {
  registry::ClientOptions o = loopback_options(insecure);
  if (insecure.empty())
    o.insecure_registries.clear();
  o.keychain = registry::Keychain({config_json});
  return o;
}

void write_auth(const std::filesystem::path& file, const std::string& host, const std::string& user,
                const std::string& password) {
  write_text(file, R"({"auths": {")" + host + R"(": {"auth": ")" +
                       registry::base64_encode(user + ":" + password) + R"("}}})");
}

}  // namespace

TEST_CASE("htpasswd Basic auth over TLS with a self-signed CA") {
  RegistryServer server({.tls = true, .user = kUser, .password = kPassword});
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {100 * 1024, 2000}, 7);
  Reference ref = Reference::parse(server.host() + "/secure/app:v1");
  write_auth(dir / "good.json", server.host(), kUser, kPassword);

  SECTION("with the CA and the right password the push works, and skopeo reads it back") {
    registry::ClientOptions o = options_with(dir / "good.json");
    o.ca_file = server.ca_file();
    Client client(o);
    auto report = registry::push_image(client, ref, image.image, local(image));
    CHECK(report.manifest_digest == image.digest);
    std::filesystem::create_directories(dir / "certs");
    std::filesystem::copy_file(server.ca_file(), dir / "certs" / "ca.crt");
    CHECK(skopeo_digest(ref.str(), {"--cert-dir", (dir / "certs").string(), "--creds",
                                    std::string(kUser) + ":" + kPassword}) == image.digest.str());
  }
  SECTION("a wrong password is a clear error that does not show the password") {
    const std::string wrong = "wrong-Pa55word-xyz";
    write_auth(dir / "bad.json", server.host(), kUser, wrong);
    registry::ClientOptions o = options_with(dir / "bad.json");
    o.ca_file = server.ca_file();
    Client client(o);
    try {
      registry::push_image(client, ref, image.image, local(image));
      FAIL("pushed with a wrong password");
    } catch (const Error& e) {
      CHECK(e.exit_code() == 1);
      CHECK_THAT(e.what(), Catch::Contains("401"));
      CHECK_THAT(e.hint(), Catch::Contains("log in"));
      CHECK_THAT(e.what(), !Catch::Contains(wrong));
      CHECK_THAT(e.what(),
                 !Catch::Contains(registry::base64_encode(std::string(kUser) + ":" + wrong)));
    }
    CHECK(server.count_log_lines({"PUT /v2/secure/app/manifests/"}) == 0);
  }
  SECTION("without the CA, TLS verification fails; TLS is never silently skipped") {
    for (std::string insecure : {std::string(), server.host()}) {
      INFO("insecure registries: " << insecure);
      Client client(options_with(dir / "good.json", insecure));
      try {
        registry::fetch_manifest(client, ref);
        FAIL("talked to a registry with an untrusted certificate");
      } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot reach registry"));
        CHECK_THAT(e.what(), Catch::Contains("certificate"));
        CHECK_THAT(e.hint(), Catch::Contains("--ca-file"));
      }
    }
  }
}

TEST_CASE("Bearer token auth through a token server") {
  RegistryServer server({.user = kUser, .password = kPassword, .token_auth = true});
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {64 * 1024}, 8);
  Reference ref = Reference::parse(server.host() + "/tok/app:v1");
  write_auth(dir / "good.json", server.host(), kUser, kPassword);

  Client client(options_with(dir / "good.json", server.host()));
  auto report = registry::push_image(client, ref, image.image, local(image));
  CHECK(report.manifest_digest == image.digest);
  CHECK_THAT(server.token_log(),
             Catch::Contains("GET scope=repository:tok/app:pull,push user=alice -> 200"));
  // One token served the whole push: tokens are cached per scope.
  std::string log = server.token_log();
  CHECK(std::count(log.begin(), log.end(), '\n') == 1);

  SECTION("anonymous clients may pull but not push") {
    registry::ClientOptions o = loopback_options(server.host());
    Client anonymous(o);
    CHECK(registry::fetch_image(anonymous, ref).raw_config == image.image.raw_config);
    CHECK_THROWS_AS(registry::push_image(anonymous, ref.with_tag("v2"), image.image, local(image)),
                    Error);
  }
  SECTION("an identity token is exchanged by an OAuth2 refresh-token POST") {
    write_text(dir / "id.json",
               R"({"auths": {")" + server.host() + R"(": {"identitytoken": "refresh-alice"}}})");
    Client with_id(options_with(dir / "id.json", server.host()));
    registry::push_image(with_id, ref.with_tag("v3"), image.image, local(image));
    CHECK_THAT(server.token_log(),
               Catch::Contains("POST scope=repository:tok/app:pull,push user=alice -> 200"));
  }
  SECTION("insufficient_scope makes the client ask for the scope the registry names") {
    auto& t = client.transport(ref);
    net::Request req;
    req.url = "/v2/tok/app/tags/list";
    auto r = t.send(req, {registry::transport::pull_scope("other/repo")});
    CHECK(r.status == 200);
    CHECK_THAT(
        server.token_log(),
        Catch::Contains("scope=repository:other/repo:pull repository:tok/app:pull user=alice"));
  }
  SECTION("a wrong password is refused by the token service without showing it") {
    write_auth(dir / "bad.json", server.host(), kUser, "nope-nope-123");
    Client bad(options_with(dir / "bad.json", server.host()));
    try {
      registry::push_image(bad, ref, image.image, local(image));
      FAIL("pushed with a wrong password");
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("rejected the credentials"));
      CHECK_THAT(e.what(), !Catch::Contains("nope-nope-123"));
    }
  }
}

TEST_CASE("a token that expires during a long upload is renewed") {
  RegistryServer server(
      {.user = kUser, .password = kPassword, .token_auth = true, .token_lifetime_seconds = 2});
  TempDir dir;
  TestImage image = make_test_image(dir / "img", {640 * 1024}, 9);
  Reference ref = Reference::parse(server.host() + "/slow/app:v1");
  write_auth(dir / "good.json", server.host(), kUser, kPassword);
  Client client(options_with(dir / "good.json", server.host()));
  registry::PushOptions options;
  options.chunk_size = 64 * 1024;
  // Slow the upload down to ~3.5 s: longer than a token lives.
  std::atomic<std::int64_t> last{0};
  options.progress = [&](const layers::Digest&, std::int64_t done, std::int64_t) {
    if (done / (64 * 1024) != last.exchange(done) / (64 * 1024)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(350));
    }
  };
  auto report = registry::push_image(client, ref, image.image, local(image), options);
  CHECK(report.manifest_digest == image.digest);
  CHECK(skopeo_digest(ref.str(), {"--tls-verify=false", "--creds",
                                  std::string(kUser) + ":" + kPassword}) == image.digest.str());
  std::string log = server.token_log();
  CHECK(std::count(log.begin(), log.end(), '\n') >= 2);
}
