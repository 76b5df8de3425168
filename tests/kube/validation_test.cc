// Bad input is refused with the field and a fix, exit code 2, and nothing written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>

#include "core/error.h"
#include "kube/manifests.h"
#include "tests/support/kube_fixtures.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::kube;
using namespace stowage::kube::testing;
using stowage::recipes::Recipe;
using stowage::testing::TempDir;

namespace {

// Generates into a fresh directory and returns the InputError's message; fails the test
// unless generation throws InputError (exit 2) and leaves the directory absent.
std::string refusal(const Recipe& recipe, const ManifestInputs& inputs) {
  TempDir tmp;
  const fs::path out = tmp / "k8s";
  std::string message;
  try {
    generate_manifests(recipe, inputs, Format::yaml, out);
    FAIL("accepted");
  } catch (const stowage::InputError& e) {
    CHECK(e.exit_code() == 2);
    message = e.what();
  }
  CHECK_FALSE(fs::exists(out));
  CHECK(fs::is_empty(tmp.path()));
  return message;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("an image that is not pinned by digest is refused") {
  for (const std::string& image : std::vector<std::string>{
           "registry.example.com/ml/sentiment-api:1.0", "registry.example.com/ml/sentiment-api",
           "registry.example.com/ml/sentiment-api@sha256:abc",
           "registry.example.com/ml/sentiment-api@md5:5d41402abc4b2a76b9719d911017c592",
           "Registry.example.com/ML/Sentiment@" + kDigest, "@" + kDigest, ""}) {
    INFO(image);
    ManifestInputs in = gpu_inputs();
    in.image = image;
    const std::string message = refusal(gpu_recipe(), in);
    CHECK(contains(message, "--image"));
    CHECK(contains(message, "REPO@sha256:<64 hex digits>"));
  }
}

TEST_CASE("digest-pinned references in every accepted form") {
  for (const std::string& image : std::vector<std::string>{
           "sentiment@" + kDigest, "ghcr.io/org/team/model:v1.2@" + kDigest,
           "localhost:5000/model@" + kDigest, "127.0.0.1:5000/my_model__x@" + kDigest}) {
    INFO(image);
    ManifestInputs in = cpu_inputs();
    in.image = image;
    CHECK_NOTHROW(render_manifests(cpu_recipe(), in, Format::yaml));
  }
}

TEST_CASE("an invalid quantity is refused with the quantity that was meant") {
  Recipe r = gpu_recipe();
  r.deploy.memory = "16GB";
  const std::string message = refusal(r, gpu_inputs());
  CHECK(contains(message, "/work/project/stowage.yaml:17:32: "));
  CHECK(contains(message, "deploy.resources.memory"));
  CHECK(contains(message, "\"16GB\""));
  CHECK(contains(message, "write \"16Gi\""));

  SECTION("cpu and shm too") {
    Recipe c = gpu_recipe();
    c.deploy.cpu = "four";
    CHECK(contains(refusal(c, gpu_inputs()), "deploy.resources.cpu"));
    Recipe s = gpu_recipe();
    s.deploy.shm = "2 gb";
    const std::string m = refusal(s, gpu_inputs());
    CHECK(contains(m, "deploy.shm"));
    CHECK(contains(m, "\"2Gi\""));
    // Reported at the enclosing `deploy` section, the nearest recorded location.
    CHECK(contains(m, "stowage.yaml:12:1: "));
  }
  SECTION("a /dev/shm larger than the memory limit") {
    Recipe s = gpu_recipe();
    s.deploy.shm = "32Gi";
    CHECK(contains(refusal(s, gpu_inputs()), "larger than the memory limit"));
  }
}

TEST_CASE("names that are not DNS-1123 are refused") {
  struct Case {
    std::function<void(Recipe&)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](Recipe& r) { r.name = "Sentiment_API"; }, "name: \"Sentiment_API\""},
      {[](Recipe& r) { r.name = "1-model"; }, "name: \"1-model\""},
      {[](Recipe& r) { r.name = std::string(64, 'a'); }, "name: "},
      {[](Recipe& r) { r.deploy.namespace_ = "ML.serving"; }, "deploy.namespace"},
      {[](Recipe& r) { r.deploy.image_pull_secrets = {"reg cred"}; },
       "deploy.image_pull_secrets[0]"},
      {[](Recipe& r) {
         r.deploy.node_selector = {{"bad key!", "x"}};
       },
       "deploy.node_selector.bad key!"},
      {[](Recipe& r) { r.deploy.service_type = "Ingress"; }, "deploy.service_type"},
  };
  for (const Case& c : cases) {
    Recipe r = gpu_recipe();
    c.spoil(r);
    const std::string message = refusal(r, gpu_inputs());
    INFO(message);
    CHECK(contains(message, c.field));
    CHECK(contains(message, "("));  // a hint follows
  }
  Recipe named = gpu_recipe();
  named.name = "Sentiment_API";
  CHECK(contains(refusal(named, gpu_inputs()), "stowage.yaml:1:7: name:"));
}

TEST_CASE("deploy.gpu without cuda is refused") {
  for (const char* cuda : {"", "cpu"}) {
    Recipe r = gpu_recipe();
    r.cuda = cuda;
    const std::string message = refusal(r, gpu_inputs());
    CHECK(contains(message, "deploy.gpu"));
    CHECK(contains(message, "set cuda:"));
  }
}

TEST_CASE("other bad deploy and serve values are refused") {
  const std::vector<std::pair<std::function<void(Recipe&)>, std::string>> cases = {
      {[](Recipe& r) { r.user = "0"; }, "user: uid 0 is root"},
      {[](Recipe& r) { r.user = "app"; }, "user: \"app\" is not a numeric uid"},
      {[](Recipe& r) { r.serve.port = 70000; }, "serve.port"},
      {[](Recipe& r) { r.serve.health = "healthz"; }, "serve.health"},
      {[](Recipe& r) { r.serve.startup_seconds = 0; }, "serve.startup_seconds"},
      {[](Recipe& r) { r.deploy.gpu = -1; }, "deploy.gpu"},
      {[](Recipe& r) { r.deploy.replicas = -2; }, "deploy.replicas"},
      {[](Recipe& r) {
         r.deploy.autoscale = stowage::recipes::Autoscale{3, 2, 50};
       },
       "deploy.autoscale.max"},
      {[](Recipe& r) {
         r.deploy.autoscale = stowage::recipes::Autoscale{0, 2, 50};
       },
       "deploy.autoscale.min"},
      {[](Recipe& r) { r.deploy.gpu_resource = "gpu"; }, "deploy.gpu_resource"},
      {[](Recipe& r) {
         r.deploy.kserve = true;
         r.name = std::string(54, 'a');
       },
       "too long for KServe"},
  };
  for (const auto& [spoil, expected] : cases) {
    Recipe r = gpu_recipe();
    spoil(r);
    const std::string message = refusal(r, gpu_inputs());
    INFO(message);
    CHECK(contains(message, expected));
  }
}

TEST_CASE("GPUs without a driver requirement are the caller's error, not the user's") {
  ManifestInputs in = gpu_inputs();
  in.node.reset();
  TempDir tmp;
  try {
    generate_manifests(gpu_recipe(), in, Format::yaml, tmp / "k8s");
    FAIL("accepted");
  } catch (const stowage::InputError&) {
    FAIL("reported as bad input");
  } catch (const stowage::Error& e) {
    CHECK(e.exit_code() == 1);
    CHECK(contains(e.what(), "CUDA 12.4"));
  }
  CHECK_FALSE(fs::exists(tmp / "k8s"));
}

TEST_CASE("--format takes yaml or json") {
  CHECK(parse_format("yaml") == Format::yaml);
  CHECK(parse_format("json") == Format::json);
  try {
    parse_format("YAML");
    FAIL("accepted");
  } catch (const stowage::InputError& e) {
    CHECK(contains(e.what(), "--format \"YAML\""));
    CHECK(contains(e.what(), "use --format yaml or --format json"));
  }
}

TEST_CASE("node requirements from a driver version string") {
  const NodeRequirements r = node_requirements("12.4", "550.54.14");
  CHECK(r.cuda_version == "12.4");
  CHECK(r.min_driver_major == 550);
  CHECK(r.min_driver_minor == 54);
  CHECK(r.min_driver_revision == 14);
  const NodeRequirements leading_zero = node_requirements("12.5", "555.42.02");
  CHECK(leading_zero.min_driver_revision == 2);
  const NodeRequirements major_only = node_requirements("13.0", "580");
  CHECK(major_only.min_driver_major == 580);
  CHECK(major_only.min_driver_minor == 0);
  for (const char* bad : {"", "550.", "550.54.14.1", "r550", "550.x", ".54", "0"}) {
    INFO(bad);
    CHECK_THROWS_AS(node_requirements("12.4", bad), stowage::Error);
  }
}
