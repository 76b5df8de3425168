// `stowage build --push`, `push`, `inspect` and `manifests` against a real registry.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file.h"
#include "tests/support/image_integrity.h"
#include "tests/support/image_readers.h"
#include "tests/support/process.h"
#include "tests/support/registry_server.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;
using nlohmann::json;

namespace {

ProcessResult stowage_cli(std::vector<std::string> args, const fs::path& cache) {
  args.insert(args.begin(), stowage_binary().string());
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", cache.string()}};
  // A build --push writes manifests under ./stowage-out unless told otherwise: inside the
  // test's directory, never the build tree.
  options.cwd = cache.parent_path();
  return run(args, options);
}

std::string stowage_ok(std::vector<std::string> args, const fs::path& cache) {
  auto r = stowage_cli(args, cache);
  INFO("stowage " << args.front() << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n')
    t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

json skopeo_remote(const std::string& ref, const std::string& what) {
  return json::parse(run_ok({"skopeo", "inspect", "--tls-verify=false", what, "docker://" + ref}));
}

// A base image with two layers (a big file of its own and a bundle), pushed to `ref`.
void push_base(const TempDir& tmp, const RegistryServer& registry, const std::string& ref) {
  write_random(tmp / "base/opt/runtime/lib.bin", 2 << 20, 5);
  write_text(tmp / "base/opt/runtime/VERSION", "1\n");
  write_text(tmp / "base/stowage.yaml", R"(name: base
base: scratch
code:
  - {src: opt/, dst: /opt}
env: {PATH: /usr/bin:/bin, LANG: C.UTF-8}
layering: {own_layer_threshold: 1Mi}
)");
  stowage_ok(
      {"build", (tmp / "base/stowage.yaml").string(), "--output", (tmp / "base-layout").string()},
      tmp / "base-cache");
  stowage_ok({"push", "oci:" + (tmp / "base-layout").string() + ":latest", ref,
              "--insecure-registry", registry.host()},
             tmp / "base-cache");
}

void write_app(const fs::path& dir, const std::string& base_ref) {
  write_text(dir / "app/main.py", "print('hi')\n");
  write_text(dir / "stowage.yaml", "name: pushed-app\nbase: " + base_ref + R"(
code:
  - {src: app/, dst: /app}
env: {LANG: en_US.UTF-8}
user: "1000"
serve:
  command: [/usr/bin/python3, /app/main.py]
  port: 8080
  health: /healthz
deploy:
  replicas: 2
  resources: {cpu: "1", memory: 1Gi}
)");
}

}  // namespace

TEST_CASE("build --push mounts a registry base's layers and never downloads them") {
  RegistryServer registry;
  TempDir tmp;
  std::string base_ref = registry.host() + "/org/base:1";
  push_base(tmp, registry, base_ref);
  auto base_manifest = skopeo_remote(base_ref, "--raw");
  write_app(tmp / "app", base_ref);

  std::string target = registry.host() + "/team/app:1";
  auto cache = tmp / "app-cache";
  auto out = json::parse(stowage_ok(
      {"build", (tmp / "app/stowage.yaml").string(), "--push", target, "--insecure-registry",
       registry.host(), "--manifests", (tmp / "k8s").string(), "--json"},
      cache));

  // Base layers: mounted from org/base, and not one byte of them is in the local cache.
  REQUIRE(out.contains("push"));
  int mounted = 0;
  for (const auto& blob : out["push"]["blobs"]) {
    bool is_base = false;
    for (const auto& l : base_manifest["layers"])
      is_base |= l["digest"] == blob["digest"];
    if (is_base) {
      CHECK(blob["outcome"] == "mounted");
      CHECK_FALSE(fs::exists(cache / "blobs/sha256" / blob["digest"].get<std::string>().substr(7)));
      ++mounted;
    }
  }
  CHECK(mounted == static_cast<int>(base_manifest["layers"].size()));
  CHECK(registry.count_log_lines({"POST", "mount="}) >= mounted);

  // What the registry serves is what stowage says it pushed, with the base underneath.
  std::string pinned = out["push"]["reference"];
  auto remote = skopeo_remote(target, "--raw");
  CHECK(remote["layers"][0]["digest"] == base_manifest["layers"][0]["digest"]);
  auto inspected =
      json::parse(run_ok({"skopeo", "inspect", "--tls-verify=false", "docker://" + target}));
  CHECK(pinned == target + "@" + inspected["Digest"].get<std::string>());
  auto config = skopeo_remote(target, "--config");
  CHECK(config["config"]["User"] == "1000");
  // The recipe's env overrides the base's in place; the rest of the base's env stays.
  CHECK(config["config"]["Env"] == json::array({"LANG=en_US.UTF-8", "PATH=/usr/bin:/bin"}));

  // The manifests pin exactly that digest.
  std::string deployment = stowage::read_file(tmp / "k8s/deployment.yaml");
  CHECK_THAT(deployment, Catch::Contains(pinned));

  // A second push of the same build sends nothing.
  auto again = json::parse(stowage_ok({"build", (tmp / "app/stowage.yaml").string(), "--push",
                                       target, "--insecure-registry", registry.host(), "--json"},
                                      cache));
  CHECK(again["push"]["bytes_uploaded"] == 0);
  CHECK(again["push"]["reference"] == pinned);
}

TEST_CASE("build --push prints the pinned reference as the last line of stdout") {
  RegistryServer registry;
  TempDir tmp;
  std::string base_ref = registry.host() + "/org/base:1";
  push_base(tmp, registry, base_ref);
  write_app(tmp / "app", base_ref);
  std::string target = registry.host() + "/team/app:2";
  auto out =
      stowage_ok({"build", (tmp / "app/stowage.yaml").string(), "--push", target,
                  "--insecure-registry", registry.host(), "--manifests", (tmp / "k8s").string()},
                 tmp / "cache");
  auto digest = skopeo_remote(target, "--no-tags")["Digest"].get<std::string>();
  CHECK(last_line(out) == target + "@" + digest);

  // inspect and manifests speak of the same image.
  auto inspect = json::parse(stowage_ok(
      {"inspect", target, "--insecure-registry", registry.host(), "--json"}, tmp / "cache"));
  CHECK(inspect["digest"] == digest);
  stowage_ok({"manifests", (tmp / "app/stowage.yaml").string(), "--image", last_line(out), "--out",
              (tmp / "k8s-again").string()},
             tmp / "cache");
  CHECK(stowage::read_file(tmp / "k8s-again/deployment.yaml") ==
        stowage::read_file(tmp / "k8s/deployment.yaml"));
}

TEST_CASE("a layout built on a registry base holds the base's layers, fetched once") {
  RegistryServer registry;
  TempDir tmp;
  std::string base_ref = registry.host() + "/org/base:1";
  push_base(tmp, registry, base_ref);
  write_app(tmp / "app", base_ref);
  auto out = tmp / "layout";
  stowage_ok({"build", (tmp / "app/stowage.yaml").string(), "--output", out.string(),
              "--insecure-registry", registry.host()},
             tmp / "cache");
  CHECK(all_blobs_intact(out));
  auto manifest = skopeo_raw_manifest(out, "latest");
  auto base_manifest = skopeo_remote(base_ref, "--raw");
  CHECK(manifest["layers"][0]["digest"] == base_manifest["layers"][0]["digest"]);
  run_ok({"skopeo", "copy", "oci:" + out.string() + ":latest", "dir:" + (tmp / "dir").string()});
  auto layer_gets = [&] {
    int n = 0;
    for (const auto& l : base_manifest["layers"]) {
      // The access-log line of each request (the registry also logs "response completed").
      n += registry.count_log_lines({"\"GET /v2/org/base/blobs/" + l["digest"].get<std::string>()});
    }
    return n;
  };
  int gets = layer_gets();
  CHECK(gets == static_cast<int>(base_manifest["layers"].size()));
  // A second build of the same recipe needs no base layer again (only the small config).
  stowage_ok({"build", (tmp / "app/stowage.yaml").string(), "--output", (tmp / "layout2").string(),
              "--insecure-registry", registry.host()},
             tmp / "cache");
  CHECK(layer_gets() == gets);
}

TEST_CASE("push targets and --manifests without --push are refused as bad input") {
  TempDir tmp;
  write_app(tmp / "app", "scratch");
  auto r = stowage_cli({"build", (tmp / "app/stowage.yaml").string(), "--push", "Bad Ref!"},
                       tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("Bad Ref!"));
  r = stowage_cli(
      {"build", (tmp / "app/stowage.yaml").string(), "--manifests", (tmp / "k8s").string()},
      tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--manifests needs --push"));
  CHECK_FALSE(fs::exists(tmp / "k8s"));
  r = stowage_cli({"manifests", (tmp / "app/stowage.yaml").string(), "--image",
                   "registry.example/app:1", "--out", (tmp / "k8s").string()},
                  tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_FALSE(fs::exists(tmp / "k8s"));
}
