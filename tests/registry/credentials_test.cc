#include "registry/credentials.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/error.h"
#include "core/file.h"
#include "registry/base64.h"
#include "tests/support/temp_dir.h"

using stowage::Error;
using stowage::InputError;
using stowage::registry::base64_encode;
using stowage::registry::Keychain;
using stowage::testing::TempDir;
using stowage::testing::write_text;

namespace {

// Puts a docker-credential-stowagetest helper on PATH for the life of the object.
class TestHelper {
 public:
  TestHelper() : old_path_(std::getenv("PATH")) {
    auto script = dir_ / "docker-credential-stowagetest";
    write_text(script, R"(#!/bin/sh
[ "$1" = get ] || exit 3
read server
echo "$server" >> ")" + (dir_ / "asked").string() +
                           R"("
case "$server" in
  127.0.0.1:5999) printf '{"ServerURL":"%s","Username":"helperuser","Secret":"helper-secret"}' "$server" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"identity-secret"}' "$server" ;;
  broken.example) echo "the keychain is locked" >&2; exit 2 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
)");
    chmod(script.c_str(), 0755);
    setenv("PATH", (dir_.path().string() + ":" + old_path_).c_str(), 1);
  }
  ~TestHelper() { setenv("PATH", old_path_.c_str(), 1); }
  std::string asked() const {
    std::error_code ec;
    return std::filesystem::exists(dir_ / "asked", ec) ? stowage::read_file(dir_ / "asked") : "";
  }

 private:
  TempDir dir_;
  std::string old_path_;
};

}  // namespace

TEST_CASE("auths entries: base64 auth, username/password, identity token, key forms") {
  TempDir dir;
  write_text(dir / "config.json", R"({"auths": {
    "127.0.0.1:5000": {"auth": ")" + base64_encode("alice:s3cr:et") +
                                      R"("},
    "https://ghcr.io": {"username": "bob", "password": "pw"},
    "https://index.docker.io/v1/": {"auth": ")" +
                                      base64_encode("hubuser:hubpw") + R"("},
    "quay.io": {"identitytoken": "refresh-me"}
  }})");
  Keychain k({dir / "config.json"});
  auto a = k.lookup("127.0.0.1:5000");
  REQUIRE(a);
  CHECK(a->username == "alice");
  CHECK(a->password == "s3cr:et");
  auto g = k.lookup("ghcr.io");
  REQUIRE(g);
  CHECK(g->username == "bob");
  CHECK(g->password == "pw");
  auto hub = k.lookup("docker.io");
  REQUIRE(hub);
  CHECK(hub->username == "hubuser");
  auto q = k.lookup("quay.io");
  REQUIRE(q);
  CHECK(q->identity_token == "refresh-me");
  CHECK(!k.lookup("127.0.0.1:5001"));
}

TEST_CASE("search order: REGISTRY_AUTH_FILE first, then DOCKER_CONFIG") {
  TempDir dir;
  write_text(dir / "auth.json",
             R"({"auths": {"r.example": {"auth": ")" + base64_encode("podman:one") + R"("}}})");
  write_text(dir / "docker" / "config.json",
             R"({"auths": {"r.example": {"auth": ")" + base64_encode("docker:two") +
                 R"("}, "s.example": {"auth": ")" + base64_encode("docker:three") + R"("}}})");
  setenv("REGISTRY_AUTH_FILE", (dir / "auth.json").c_str(), 1);
  setenv("DOCKER_CONFIG", (dir / "docker").c_str(), 1);
  Keychain k = Keychain::from_environment();
  unsetenv("REGISTRY_AUTH_FILE");
  unsetenv("DOCKER_CONFIG");
  CHECK(k.lookup("r.example")->username == "podman");
  CHECK(k.lookup("s.example")->username == "docker");
}

TEST_CASE("XDG_RUNTIME_DIR/containers/auth.json is read when REGISTRY_AUTH_FILE is unset") {
  TempDir dir;
  write_text(dir / "run" / "containers" / "auth.json",
             R"({"auths": {"x.example": {"auth": ")" + base64_encode("xdg:pw") + R"("}}})");
  unsetenv("REGISTRY_AUTH_FILE");
  setenv("XDG_RUNTIME_DIR", (dir / "run").c_str(), 1);
  setenv("DOCKER_CONFIG", (dir / "nothing").c_str(), 1);
  Keychain k = Keychain::from_environment();
  unsetenv("XDG_RUNTIME_DIR");
  unsetenv("DOCKER_CONFIG");
  CHECK(k.lookup("x.example")->username == "xdg");
}

TEST_CASE("credential helpers: credHelpers, credsStore, the Docker Hub key, not found") {
  TestHelper helper;
  TempDir dir;
  write_text(dir / "config.json", R"({
    "credsStore": "stowagetest",
    "credHelpers": {"127.0.0.1:5999": "stowagetest"},
    "auths": {"fallback.example": {"auth": ")" +
                                      base64_encode("file:pw") + R"("}}})");
  Keychain k({dir / "config.json"});
  auto c = k.lookup("127.0.0.1:5999");
  REQUIRE(c);
  CHECK(c->username == "helperuser");
  CHECK(c->password == "helper-secret");
  auto hub = k.lookup("docker.io");
  REQUIRE(hub);
  CHECK(hub->identity_token == "identity-secret");
  CHECK(hub->username.empty());
  // The store has nothing for it: the auths entry is used.
  CHECK(k.lookup("fallback.example")->username == "file");
  CHECK(!k.lookup("nowhere.example"));
  CHECK(helper.asked() ==
        "127.0.0.1:5999\nhttps://index.docker.io/v1/\nfallback.example\nnowhere.example\n");
}

TEST_CASE("a configured helper that is missing or fails is an error, without secrets") {
  TestHelper helper;
  TempDir dir;
  write_text(dir / "config.json", R"({"credHelpers": {"gone.example": "notinstalled",
    "broken.example": "stowagetest"}})");
  Keychain k({dir / "config.json"});
  try {
    k.lookup("gone.example");
    FAIL("missing helper was skipped");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("docker-credential-notinstalled"));
    CHECK_THAT(e.what(), Catch::Contains("not installed"));
    CHECK_THAT(e.what(), Catch::Contains((dir / "config.json").string()));
  }
  try {
    k.lookup("broken.example");
    FAIL("failing helper was ignored");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("docker-credential-stowagetest failed"));
    CHECK_THAT(e.what(), !Catch::Contains("helper-secret"));
  }
}

TEST_CASE("malformed files are input errors naming the file, never echoing secrets") {
  TempDir dir;
  write_text(dir / "bad.json", "{not json");
  write_text(dir / "badauth.json", R"({"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}})");
  CHECK_THROWS_AS(Keychain({dir / "bad.json"}).lookup("r.example"), InputError);
  try {
    Keychain({dir / "badauth.json"}).lookup("r.example");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("badauth.json"));
    CHECK_THAT(e.what(), !Catch::Contains("nocolon"));
  }
}
