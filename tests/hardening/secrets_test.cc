// docs/security.md, "Credentials leak": registry credentials never show in stowage's output, its
// --json result, its errors, the image or the cache; a secret-looking env value is warned about at
// build time; and tokens are asked for with the least scope (pull for the base, pull+push for the
// target only).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "registry/base64.h"
#include "tests/support/registry_server.h"
#include "tests/support/stowage_cli.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage;
using namespace stowage::testing;

namespace {

const std::string kUser = "mallory";
const std::string kPassword = "Tr0ub4dor-and-3-7a1c";

void write_auth(const fs::path& file, const std::string& host, const std::string& password) {
  write_text(file, R"({"auths": {")" + host + R"(": {"auth": ")" +
                       registry::base64_encode(kUser + ":" + password) + R"("}}})");
}

// Every spelling of `password` a leak could take.
std::vector<std::string> spellings(const std::string& password) {
  return {password, registry::base64_encode(kUser + ":" + password),
          registry::base64_encode(password)};
}

// Every file under `dir`, decompressed when it is a zstd or gzip blob, as one string per file.
std::vector<std::pair<std::string, std::string>> contents_under(const fs::path& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file())
      continue;
    std::string data = read_file(e.path());
    if (data.starts_with("\x28\xb5\x2f\xfd")) {
      data = run_ok({"zstd", "-dc", e.path().string()});
    } else if (data.starts_with("\x1f\x8b")) {
      data = run_ok({"gzip", "-dc", e.path().string()});
    }
    out.emplace_back(e.path().string(), std::move(data));
  }
  return out;
}

}  // namespace

TEST_CASE("Basic credentials never appear in output, --json, errors, the image or the cache") {
  RegistryServer server({.tls = true, .user = kUser, .password = kPassword});
  TempDir dir;
  make_project(dir / "project", 5, 1, 64 * 1024);
  write_auth(dir / "auth.json", server.host(), kPassword);
  const std::string ref = server.host() + "/secret/app:v1";
  std::vector<std::string> args{"build",       (dir / "project/stowage.yaml").string(),
                                "--output",    (dir / "out/image").string(),
                                "--push",      ref,
                                "--ca-file",   server.ca_file().string(),
                                "--manifests", (dir / "out/k8s").string(),
                                "--json",      "--progress"};
  auto r = run_stowage(args, dir / "cache", {{"REGISTRY_AUTH_FILE", (dir / "auth.json").string()}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto result = nlohmann::json::parse(r.out);
  CHECK(result.contains("push"));
  CHECK_FALSE(r.err.empty());  // --progress printed something to look through
  for (const auto& s : spellings(kPassword)) {
    CHECK_THAT(r.out, !Catch::Contains(s));
    CHECK_THAT(r.err, !Catch::Contains(s));
    for (const auto& [file, data] : contents_under(dir / "out"))
      CHECK_THAT(data, !Catch::Contains(s));
    for (const auto& [file, data] : contents_under(dir / "cache")) {
      INFO(file);
      CHECK(data.find(s) == std::string::npos);
    }
  }

  // A wrong password: a clear error that names neither password.
  const std::string wrong = "wr0ng-pa55-5e1f";
  write_auth(dir / "wrong.json", server.host(), wrong);
  args[5] = server.host() + "/secret/other:v1";
  auto bad =
      run_stowage(args, dir / "cache", {{"REGISTRY_AUTH_FILE", (dir / "wrong.json").string()}});
  INFO(bad.err);
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("stowage: error: "));
  for (const auto& s : spellings(wrong)) {
    CHECK_THAT(bad.out, !Catch::Contains(s));
    CHECK_THAT(bad.err, !Catch::Contains(s));
  }
  // `stowage push` and `inspect` with --json say nothing secret either.
  auto push = run_stowage({"push", (dir / "out/image").string(), server.host() + "/secret/copy:v1",
                           "--ca-file", server.ca_file().string(), "--json", "--progress"},
                          dir / "cache", {{"REGISTRY_AUTH_FILE", (dir / "auth.json").string()}});
  INFO(push.err);
  CHECK(push.exit_code == 0);
  auto inspect = run_stowage({"inspect", ref, "--ca-file", server.ca_file().string(), "--json"},
                             dir / "cache", {{"REGISTRY_AUTH_FILE", (dir / "auth.json").string()}});
  INFO(inspect.err);
  CHECK(inspect.exit_code == 0);
  for (const auto& s : spellings(kPassword)) {
    CHECK_THAT(push.out + push.err + inspect.out + inspect.err, !Catch::Contains(s));
  }
}

TEST_CASE("a secret-looking env value is warned about at build time, without the value") {
  TempDir dir;
  const std::string token = "hf_" + std::string(34, 'K');
  make_project(dir / "project", 6, 1, 1024, "");
  // make_project writes env: {MODEL_DIR: /models}; replace it with one that leaks a token.
  std::string recipe = read_file(dir / "project/stowage.yaml");
  recipe.replace(recipe.find("env: {MODEL_DIR: /models}"), 25,
                 "env: {MODEL_DIR: /models, HF_TOKEN: \"" + token + "\"}");
  write_text(dir / "project/stowage.yaml", recipe);
  auto r = run_stowage(
      {"build", (dir / "project/stowage.yaml").string(), "--output", (dir / "out").string()},
      dir / "cache");
  INFO(r.err);
  CHECK(r.exit_code == 0);  // a warning, not a refusal
  CHECK_THAT(r.err, Catch::Contains("stowage: warning: " + (dir / "project/stowage.yaml").string() +
                                    ":7:37:"));
  CHECK_THAT(r.err, Catch::Contains("env.HF_TOKEN looks like a secret"));
  CHECK_THAT(r.err, !Catch::Contains(token));
}

TEST_CASE(
    "tokens are asked for with the least scope: pull for the base, pull+push for the target") {
  RegistryServer server({.user = kUser, .password = kPassword, .token_auth = true});
  TempDir dir;
  write_auth(dir / "auth.json", server.host(), kPassword);
  std::map<std::string, std::string> env{{"REGISTRY_AUTH_FILE", (dir / "auth.json").string()}};
  // A base image in the registry, pushed from a layout.
  make_project(dir / "base", 7, 1, 64 * 1024);
  auto base =
      run_stowage({"build", (dir / "base/stowage.yaml").string(), "--output",
                   (dir / "base-layout").string(), "--push", server.host() + "/library/base:1",
                   "--manifests", (dir / "k8s").string(), "--insecure-registry", server.host()},
                  dir / "cache", env);
  INFO(base.err);
  REQUIRE(base.exit_code == 0);
  const std::size_t before = server.token_log().size();

  make_project(dir / "app", 8, 1, 64 * 1024);
  std::string recipe = read_file(dir / "app/stowage.yaml");
  recipe.replace(recipe.find("base: scratch"), 13, "base: " + server.host() + "/library/base:1");
  write_text(dir / "app/stowage.yaml", recipe);
  auto r = run_stowage(
      {"build", (dir / "app/stowage.yaml").string(), "--output", (dir / "app-layout").string(),
       "--push", server.host() + "/team/app:1", "--manifests", (dir / "k8s").string(),
       "--insecure-registry", server.host(), "--progress", "--json"},
      dir / "cache", env);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  // Neither the password nor a bearer token (a JWT: "eyJ…") shows in the output.
  for (const auto& s : spellings(kPassword)) {
    CHECK_THAT(r.out + r.err, !Catch::Contains(s));
  }
  CHECK_THAT(r.out + r.err, !Catch::Contains("eyJ"));
  std::string log = server.token_log().substr(before);
  INFO(log);
  REQUIRE_FALSE(log.empty());
  bool asked_push = false;
  bool asked_base = false;
  for (std::size_t start = 0; start < log.size();) {
    std::size_t end = log.find('\n', start);
    std::string line = log.substr(start, end - start);
    start = end == std::string::npos ? log.size() : end + 1;
    if (line.empty())
      continue;
    auto scopes_at = line.find("scope=") + 6;
    std::string scopes = line.substr(scopes_at, line.find(" user=") - scopes_at);
    for (std::size_t s = 0; s < scopes.size();) {
      std::size_t e = scopes.find(' ', s);
      std::string scope = scopes.substr(s, e - s);
      s = e == std::string::npos ? scopes.size() : e + 1;
      INFO(scope);
      if (scope == "repository:team/app:pull,push" || scope == "repository:team/app:push,pull") {
        asked_push = true;
      } else {
        // Anything else is read-only: the base (for its config and to mount its layers).
        CHECK((scope == "repository:library/base:pull" || scope == "repository:team/app:pull"));
        asked_base = asked_base || scope == "repository:library/base:pull";
      }
    }
  }
  CHECK(asked_push);
  CHECK(asked_base);
}
