// docs/security.md, threat model: credentials go only to the registry's own origin (and to a
// token realm over HTTPS), and no registry answer can hold a request forever. Against
// tests/registry/rogue_registry.py on loopback, which points its token realm, its upload
// sessions and its blobs at another server; that server's own request log shows what reached it.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "registry/base64.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "tests/support/loopback_client.h"
#include "tests/support/pushable_image.h"
#include "tests/support/registry_server.h"
#include "tests/support/stowage_cli.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage;
using namespace stowage::testing;
using registry::Client;
using registry::Reference;

namespace {

const std::string kUser = "alice";
const std::string kPassword = "s3cret-origin-4b1d";

struct Logged {
  std::string method;
  std::string path;
  std::string authorization;
};

// One rogue_registry.py process; `tls` serves HTTPS with `certs`.
class Rogue {
 public:
  Rogue(const fs::path& dir, std::vector<std::string> args, const TestCertificates* certs = nullptr)
      : log_(dir / ("rogue-" + std::to_string(port_) + ".jsonl")) {
    std::vector<std::string> argv{
        "python3", (source_dir() / "tests/registry/rogue_registry.py").string(),
        "--port",  std::to_string(port_),
        "--log",   log_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (certs != nullptr) {
      argv.insert(argv.end(),
                  {"--cert", certs->server_pem.string(), "--key", certs->server_key.string()});
    }
    process_ = std::make_unique<BackgroundProcess>(argv, log_.string() + ".out");
    REQUIRE(wait_for_port(port_));
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // The same server under another host name (plain HTTP only: the certificate is for the IP).
  std::string other_host() const { return "localhost:" + std::to_string(port_); }
  std::vector<Logged> requests() const {
    std::vector<Logged> out;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      out.push_back({j["method"], j["path"], j["headers"].value("authorization", "")});
    }
    return out;
  }

 private:
  int port_ = free_port();
  fs::path log_;
  std::unique_ptr<BackgroundProcess> process_;
};

Client client_for(const std::string& host, const fs::path& auth_file, const std::string& auth,
                  const fs::path& ca, bool insecure) {
  write_text(auth_file, R"({"auths": {")" + host + R"(": {)" + auth + "}}}");
  registry::ClientOptions o = loopback_options(host);
  if (!insecure)
    o.insecure_registries.clear();
  o.ca_file = ca;
  o.keychain = registry::Keychain({auth_file});
  o.retry.max_attempts = 2;
  return Client(o);
}

std::string basic_auth() {
  return R"("auth": ")" + registry::base64_encode(kUser + ":" + kPassword) + R"(")";
}

void check_no_secret(const std::string& text) {
  CHECK_THAT(text, !Catch::Contains(kPassword) &&
                       !Catch::Contains(registry::base64_encode(kUser + ":" + kPassword)) &&
                       !Catch::Contains("refresh-secret"));
}

}  // namespace

TEST_CASE("credentials go to a token realm only over HTTPS, or plain HTTP on the registry's host") {
  TempDir dir;
  TestCertificates certs = make_test_certificates(dir / "certs");
  Rogue token_http(dir.path(), {});
  Rogue token_https(dir.path(), {}, &certs);

  struct Case {
    std::string name;
    std::string realm;
    bool tls;
    bool insecure;
    std::string refused_host;  // "" = the realm is allowed
  };
  std::vector<Case> cases{
      {"HTTPS registry, plain-HTTP realm on another host", "http://" + token_http.other_host(),
       true, false, "localhost"},
      {"HTTPS registry, plain-HTTP realm on its own host, not --insecure-registry",
       "http://" + token_http.host(), true, false, "127.0.0.1"},
      {"--insecure-registry, plain-HTTP realm on another host", "http://" + token_http.other_host(),
       false, true, "localhost"},
      {"HTTPS registry, HTTPS realm on another origin", "https://" + token_https.host(), true,
       false, ""},
      {"--insecure-registry, plain-HTTP realm on its own host", "http://" + token_http.host(),
       false, true, ""},
  };
  for (const auto& c : cases) {
    for (std::string auth : {basic_auth(), std::string(R"("identitytoken": "refresh-secret")")}) {
      DYNAMIC_SECTION(c.name << (auth.starts_with("\"auth\"") ? ", Basic" : ", refresh token")) {
        const Rogue& token = c.realm.starts_with("https") ? token_https : token_http;
        std::size_t token_requests_before = token.requests().size();
        Rogue registry(dir.path(), {"--auth", "bearer", "--realm", c.realm + "/token"},
                       c.tls ? &certs : nullptr);
        Client client =
            client_for(registry.host(), dir / "auth.json", auth, certs.ca_pem, c.insecure);
        Reference ref = Reference::parse(registry.host() + "/org/app:v1");
        std::string message;
        try {
          registry::fetch_manifest(client, ref);
        } catch (const Error& e) {
          message = e.what();
          CHECK(e.exit_code() == 1);
        }
        INFO(message);
        check_no_secret(message);
        auto sent = token.requests();
        sent.erase(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(token_requests_before));
        if (!c.refused_host.empty()) {
          CHECK_THAT(message, Catch::Contains("token service at " + c.refused_host) &&
                                  Catch::Contains("HTTPS"));
          // Nothing at all reached the token service: not even the request without credentials.
          CHECK(sent.empty());
        } else {
          // The realm was used, and the manifest request that followed carried the token.
          REQUIRE(!sent.empty());
          CHECK_THAT(message, Catch::Contains("manifest"));
          auto reg = registry.requests();
          CHECK(reg.back().authorization == "Bearer rogue-token");
        }
      }
    }
  }
}

TEST_CASE("Authorization goes only to the registry's origin; other origins only over HTTPS") {
  TempDir dir;
  TestCertificates certs = make_test_certificates(dir / "certs");
  Rogue storage_http(dir.path(), {});
  Rogue storage_https(dir.path(), {}, &certs);
  TestImage image = make_test_image(dir / "img", {20 * 1024}, 5);

  SECTION("an upload session on another host over plain HTTP is refused; nothing reaches it") {
    Rogue registry(dir.path(),
                   {"--auth", "basic", "--creds", kUser + ":" + kPassword, "--upload-location",
                    "http://" + storage_http.other_host() + "/storage"},
                   &certs);
    Client client = client_for(registry.host(), dir / "auth.json", basic_auth(), certs.ca_pem,
                               /*insecure=*/false);
    std::string message;
    try {
      registry::push_image(client, Reference::parse(registry.host() + "/org/app:v1"), image.image,
                           local(image));
    } catch (const Error& e) {
      message = e.what();
    }
    INFO(message);
    CHECK_THAT(message, Catch::Contains("http://" + storage_http.other_host() + "/storage") &&
                            Catch::Contains("plain HTTP"));
    check_no_secret(message);
    for (const auto& r : storage_http.requests())
      CHECK(r.authorization.empty());
    CHECK(storage_http.requests().empty());
  }
  SECTION("an upload session on another origin over HTTPS gets the blob, without credentials") {
    Rogue registry(dir.path(),
                   {"--auth", "basic", "--creds", kUser + ":" + kPassword, "--upload-location",
                    "https://" + storage_https.host() + "/storage"},
                   &certs);
    Client client = client_for(registry.host(), dir / "auth.json", basic_auth(), certs.ca_pem,
                               /*insecure=*/false);
    registry::push_image(client, Reference::parse(registry.host() + "/org/app:v1"), image.image,
                         local(image));
    auto stored = storage_https.requests();
    REQUIRE(stored.size() >= 2);  // config and layer, at least one PUT each
    for (const auto& r : stored) {
      CHECK(r.method == "PUT");
      CHECK(r.authorization.empty());
    }
    // The registry itself got the credentials, for its own requests.
    bool registry_authorized = false;
    for (const auto& r : registry.requests())
      registry_authorized |= r.authorization.starts_with("Basic ");
    CHECK(registry_authorized);
  }
  SECTION("a blob redirected to another origin: HTTPS without credentials, plain HTTP refused") {
    for (bool https : {true, false}) {
      std::string target = https ? "https://" + storage_https.host() + "/storage/blob"
                                 : "http://" + storage_http.other_host() + "/storage/blob";
      Rogue registry(
          dir.path(),
          {"--auth", "basic", "--creds", kUser + ":" + kPassword, "--blob-redirect", target},
          &certs);
      Client client = client_for(registry.host(), dir / "auth.json", basic_auth(), certs.ca_pem,
                                 /*insecure=*/false);
      net::Request get;
      get.url = "/v2/org/app/blobs/" + image.manifest.config.digest.str();
      get.follow_redirects = true;
      auto& transport = client.transport(Reference::parse(registry.host() + "/org/app"));
      if (https) {
        CHECK(transport.send(get, {"repository:org/app:pull"}).body == "blob");
        REQUIRE(!storage_https.requests().empty());
        CHECK(storage_https.requests().back().authorization.empty());
      } else {
        CHECK_THROWS_WITH(transport.send(get, {"repository:org/app:pull"}),
                          Catch::Contains("plain HTTP"));
        CHECK(storage_http.requests().empty());
      }
    }
  }
}

TEST_CASE("a registry dripping an answer fails the request by its deadline, retried as transient") {
  TempDir dir;
  Rogue registry(dir.path(), {"--drip", "/manifests/"});
  registry::ClientOptions o = loopback_options(registry.host());
  // 1 s + 1000 bytes at 1000 bytes/s: 2 s per attempt; the drip would take 500 s.
  o.limits = {std::chrono::seconds(1), 1000, std::chrono::seconds(60)};
  o.retry.max_attempts = 3;
  Client client(o);
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(registry::fetch_manifest(client, Reference::parse(registry.host() + "/a/b:1")),
                    Catch::Contains("127.0.0.1") && Catch::Contains("deadline"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(15));
  int attempts = 0;
  for (const auto& r : registry.requests())
    attempts += r.path.find("/manifests/") != std::string::npos ? 1 : 0;
  CHECK(attempts == 3);
}

TEST_CASE("--http-timeout and --min-rate set the limits of the stowage binary") {
  TempDir dir;
  Rogue registry(dir.path(), {"--drip", "/manifests/"});
  const std::string image = registry.host() + "/a/b:1";
  for (std::string flag : {"--http-timeout", "--min-rate"}) {
    ProcessResult bad = run_stowage({"inspect", image, flag, "0"}, dir / "cache");
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains(flag));
  }
  // 1 s + 1000 bytes at 100 kB/s per attempt, each attempt retried with the default policy.
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = run_stowage({"inspect", image, "--insecure-registry", registry.host(),
                                 "--http-timeout", "1", "--min-rate", "100000"},
                                dir / "cache");
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::StartsWith("stowage: error: ") && Catch::Contains("127.0.0.1") &&
                        Catch::Contains("deadline"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
}
