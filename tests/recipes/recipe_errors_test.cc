// Every bad recipe is refused with InputError (exit 2) at file:line:col, saying what is wrong
// and how to fix it.
#include <catch2/catch.hpp>
#include <filesystem>

#include "recipes/recipe.h"
#include "tests/support/recipe_dir.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using stowage::InputError;
using stowage::recipes::load_recipe;
using stowage::recipes::Recipe;
using stowage::recipes::testing::RecipeDir;

namespace {

void expect_error(const RecipeDir& dir, const std::string& yaml, int line, int column,
                  const std::string& what, const std::string& hint) {
  CAPTURE(yaml);
  InputError e = dir.error(yaml);
  CAPTURE(e.what());
  CHECK(e.exit_code() == 2);
  REQUIRE(e.where());
  CHECK(e.where()->file == dir.file().string());
  CHECK(e.where()->line == line);
  CHECK(e.where()->column == column);
  CHECK_THAT(e.reason(), Contains(what));
  CHECK_THAT(e.hint(), Contains(hint));
}

}  // namespace

TEST_CASE("the message reads file:line:col: what (hint)") {
  RecipeDir dir;
  InputError e = dir.error("name: demo\nmodle: []\n");
  CHECK(std::string(e.what()) ==
        dir.file().string() + ":2:1: unknown key \"modle\" (did you mean \"model\"?)");
}

TEST_CASE("a missing recipe file is refused") {
  stowage::testing::TempDir tmp;
  try {
    load_recipe(tmp / "stowage.yaml");
    FAIL("no error");
  } catch (const InputError& e) {
    REQUIRE(e.where());
    CHECK(e.where()->file == (tmp / "stowage.yaml").string());
    CHECK_THAT(e.reason(), Contains("recipe file not found"));
    CHECK_THAT(e.hint(), Contains("give its path"));
  }
  // A directory without a stowage.yaml names the file it looked for.
  try {
    load_recipe(tmp.path());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.where()->file == (tmp / "stowage.yaml").string());
  }
}

TEST_CASE("YAML syntax errors carry the parser's position") {
  RecipeDir dir;
  InputError e = dir.error("name: demo\nenv: {A: b\ncode: []\n");
  REQUIRE(e.where());
  CHECK(e.where()->line >= 2);
  CHECK_THAT(e.reason(), Contains("YAML syntax error"));
  CHECK_THAT(e.hint(), Contains("indentation"));
  expect_error(dir, "name: demo\n\tbase: scratch\n", 2, 1, "YAML syntax error", "not tabs");
}

TEST_CASE("the document itself: empty, several documents, not a mapping") {
  RecipeDir dir;
  expect_error(dir, "", 1, 1, "the recipe is empty", "name:");
  expect_error(dir, "# only a comment\n", 1, 1, "the recipe is empty", "name:");
  expect_error(dir, "name: a\n---\nname: b\n", 3, 1, "more than one YAML document", "---");
  expect_error(dir, "- name: a\n", 1, 1, "must be a mapping of keys, not a list", "name:");
}

TEST_CASE("unknown keys get a did-you-mean at every level") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nmodle: []\n", 2, 1, "unknown key \"modle\"",
               "did you mean \"model\"?");
  expect_error(dir, "name: demo\nframework: {name: jax, verison: \"0.4\"}\n", 2, 24,
               "unknown key \"verison\" in \"framework\"", "did you mean \"version\"?");
  expect_error(dir, "name: demo\ncode: [{src: app/, dts: /app}]\n", 2, 20,
               "unknown key \"dts\" in \"code[0]\"", "did you mean \"dst\"?");
  expect_error(dir, "name: demo\nserve:\n  comand: [x]\n", 3, 3, "in \"serve\"",
               "did you mean \"command\"?");
  expect_error(dir, "name: demo\ndeploy:\n  resources:\n    memroy: 1Gi\n", 4, 5,
               "unknown key \"memroy\" in \"deploy.resources\"", "did you mean \"memory\"?");
  expect_error(dir, "name: demo\ndeploy: {autoscale: {max: 2, mni: 1}}\n", 2, 30,
               "in \"deploy.autoscale\"", "did you mean \"min\"?");
  expect_error(dir, "name: demo\nlayering: {budgte: 3}\n", 2, 12, "in \"layering\"",
               "did you mean \"budget\"?");
}

TEST_CASE("an unknown key that exists elsewhere says where it belongs") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nport: 8080\n", 2, 1, "unknown key \"port\"",
               "\"port\" belongs under \"serve\"");
  expect_error(dir, "name: demo\ndeploy: {resources: {gpu: 1}}\n", 2, 22,
               "unknown key \"gpu\" in \"deploy.resources\"",
               "did you mean \"cpu\"? \"gpu\" is a key of \"deploy\"");
  expect_error(dir, "name: demo\nsrc: app/\n", 2, 1, "unknown key \"src\"",
               "\"src\" belongs under \"model[]\"");
  expect_error(dir, "name: demo\nentrypoint_script: x\n", 2, 1, "unknown key",
               "known keys here: name, base, python, cuda, framework");
}

TEST_CASE("duplicate keys are refused") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nbase: scratch\nname: other\n", 3, 1, "duplicate key \"name\"",
               "already set on line 1");
  expect_error(dir, "name: demo\nenv:\n  A: x\n  A: y\n", 4, 3, "duplicate key \"A\"", "line 3");
}

TEST_CASE("wrong types name the field, what was found and the right form") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nenv: [A]\n", 2, 6, "\"env\" must be a mapping, not a list", "");
  expect_error(dir, "name: demo\nbase:\n", 2, 1, "\"base\" must be a string, not no value",
               "give \"base\" a value or remove it");
  expect_error(dir, "name: [a]\n", 1, 7, "\"name\" must be a string, not a list", "");
  expect_error(dir, "name: demo\nlabels: {a: {b: c}}\n", 2, 13,
               "\"labels.a\" must be a string, not a mapping", "");
  expect_error(dir, "name: demo\nenv: {A: !custom x}\n", 2, 10, "not a value tagged !custom",
               "remove the tag");
  expect_error(dir, "name: demo\nserve: [python3]\n", 2, 8, "\"serve\" must be a mapping", "");
  expect_error(dir, "name: demo\ndeploy: {replicas: two}\n", 2, 20,
               "\"deploy.replicas\" must be a whole number, not the string \"two\"",
               "use a whole number from 0 to");
  expect_error(dir, "name: demo\ndeploy: {replicas: 1.5}\n", 2, 20, "not the number 1.5",
               "whole number");
}

TEST_CASE("unquoted numbers and booleans are refused where a string belongs") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nenv: {DEBUG: yes}\n", 2, 14,
               "\"env.DEBUG\" must be a string, not the boolean yes", "quote it: DEBUG: \"yes\"");
  expect_error(dir, "name: demo\nenv:\n  PORT: 8080\n", 3, 9,
               "\"env.PORT\" must be a string, not the number 8080", "quote it: PORT: \"8080\"");
  expect_error(dir, "name: demo\npython: 3.10\n", 2, 9, "\"python\" must be a string",
               "YAML reads an unquoted 3.10 as a number; quote it: python: \"3.10\"");
  expect_error(dir, "name: demo\nlabels: {tier: 1}\n", 2, 16, "\"labels.tier\" must be a string",
               "quote it");
  expect_error(dir, "name: demo\nserve: {command: [serve, --port, 8080]}\n", 2, 34,
               "\"serve.command[2]\" must be a string", "quote it: \"8080\"");
}

TEST_CASE("env names must be usable as variable names") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nenv: {\"A=B\": x}\n", 2, 14,
               "environment variable name \"A=B\" is not valid", "without spaces or '='");
}

TEST_CASE("name must be a DNS-1123 label") {
  RecipeDir dir;
  expect_error(dir, "base: scratch\n", 1, 1, "the recipe has no \"name\"", "add name:");
  expect_error(dir, "name: Sentiment_API\n", 1, 7,
               "\"name\" is not a valid Kubernetes name: \"Sentiment_API\"",
               "did you mean \"sentiment-api\"?");
  expect_error(dir, "name: -x-\n", 1, 7, "not a valid Kubernetes name", "at most 63");
  expect_error(dir, "name: " + std::string(64, 'a') + "\n", 1, 7, "not a valid Kubernetes name",
               "at most 63");
}

TEST_CASE("base: each form is checked") {
  RecipeDir dir;
  stowage::testing::write_text(dir.path() / "not-a-layout/readme", "x");
  expect_error(dir, "name: demo\nbase: oci:missing\n", 2, 7,
               "names an OCI layout that does not exist", "relative to the recipe's directory");
  expect_error(dir, "name: demo\nbase: oci:not-a-layout:v1\n", 2, 7,
               "is not an OCI image layout (no oci-layout file)", "skopeo copy");
  expect_error(dir, "name: demo\nbase: \"oci:\"\n", 2, 7, "names no path", "oci:DIR");
  expect_error(dir, "name: demo\nbase: rootfs:missing.tar\n", 2, 7,
               "names a root filesystem tarball that does not exist", "check the path");
  expect_error(dir, "name: demo\nbase: Python:3.11\n", 2, 7,
               "image repository names are lowercase: Python", "did you mean \"python\"?");
  expect_error(dir, "name: demo\nbase: docker://python:3.11\n", 2, 7, "transport prefix",
               "drop \"docker://\": python:3.11");
  expect_error(dir, "name: demo\nbase: \"python:3.11 slim\"\n", 2, 7, "image tag is malformed",
               "up to 128");
  expect_error(dir, "name: demo\nbase: python@sha256:abc\n", 2, 7, "image digest is malformed",
               "64 lowercase hex");
  expect_error(dir, "name: demo\nbase: \"my image\"\n", 2, 7, "repository is malformed",
               "or use scratch, oci:DIR[:TAG] or rootfs:FILE.tar");
}

TEST_CASE("python, cuda and framework versions are checked") {
  RecipeDir dir;
  expect_error(dir, "name: demo\npython: \"3\"\n", 2, 9,
               "\"python\" is not a version like \"3.11\"", "python: \"3.11\"");
  expect_error(dir, "name: demo\ncuda: \"12\"\n", 2, 7, "\"cuda\" is not a version like \"12.4\"",
               "cuda: \"12.4\"");
  expect_error(dir, "name: demo\ncuda: 12.4\n", 2, 7, "\"cuda\" must be a string",
               "quote it: cuda: \"12.4\"");
  expect_error(dir, "name: demo\nframework: pytorch\n", 2, 12,
               "\"framework\" must be a mapping, not the string \"pytorch\"", "");
  expect_error(dir, "name: demo\nframework: {version: \"2.5.1\"}\n", 2, 12,
               "\"framework\" has no \"name\"", "add name: pytorch");
  expect_error(dir, "name: demo\nframework: {name: pytorch, version: latest}\n", 2, 37,
               "\"framework.version\" is not a version like \"2.5.1\"", "");
}

TEST_CASE("model and code entries: shape, src and dst") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nmodel: models/\n", 2, 8,
               "\"model\" must be a list of {src, dst} entries, not the string \"models/\"",
               "model: [{src: DIR/, dst: /model}]");
  expect_error(dir, "name: demo\ncode: [{dst: /app}]\n", 2, 8, "\"code[0]\" has no \"src\"",
               "add src: PATH");
  expect_error(dir, "name: demo\ncode: {src: app/}\n", 2, 7, "\"code[0]\" has no \"dst\"",
               "add dst: /path/in/the/image");
  expect_error(dir, "name: demo\ncode:\n  - {src: app/, dst: /app}\n  - {src: ap/, dst: /x}\n", 4,
               11, "\"code[1].src\" does not exist: ap/", "did you mean \"app\"?");
  expect_error(dir, "name: demo\nmodel: [{src: nothing-like-it, dst: /m}]\n", 2, 15,
               "does not exist: nothing-like-it",
               "looked for " + (dir.path() / "nothing-like-it").string());
  expect_error(dir, "name: demo\ncode: [{src: \"\", dst: /app}]\n", 2, 14,
               "\"code[0].src\" is empty", "relative to");
}

TEST_CASE("src may not leave the recipe's directory") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ncode: [{src: ../outside, dst: /app}]\n", 2, 14,
               "\"code[0].src\" leaves the recipe's directory: ../outside", "move it there");
  expect_error(dir, "name: demo\ncode: [{src: app/../../x, dst: /app}]\n", 2, 14,
               "leaves the recipe's directory", "");
  expect_error(dir, "name: demo\ncode: [{src: /etc, dst: /app}]\n", 2, 14,
               "must be relative to the recipe's directory: /etc", "write the path relative to");

  stowage::testing::TempDir outside;
  stowage::testing::write_text(outside / "secret.txt", "s");
  fs::create_directory_symlink(outside.path(), dir.path() / "linked");
  fs::create_symlink(outside / "secret.txt", dir.path() / "app/secret.txt");
  expect_error(dir, "name: demo\nmodel: [{src: linked/, dst: /m}]\n", 2, 15,
               "leaves the recipe's directory through a symlink: linked/", "copy the content");
  expect_error(dir, "name: demo\nmodel: [{src: app/secret.txt, dst: /m}]\n", 2, 15,
               "through a symlink", "");
  // A symlink that stays inside is fine.
  fs::create_directory_symlink(dir.path() / "models", dir.path() / "weights");
  CHECK(dir.parse("name: demo\nmodel: [{src: weights, dst: /m}]\n").model[0].source ==
        fs::canonical(dir.path() / "models"));
}

TEST_CASE("dst and workdir are absolute paths in the image without ..") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ncode: [{src: app/, dst: app}]\n", 2, 25,
               "\"code[0].dst\" must be an absolute path in the image: \"app\"",
               "did you mean \"/app\"?");
  expect_error(dir, "name: demo\ncode: [{src: app/, dst: /app/../etc}]\n", 2, 25,
               "must not contain \"..\"", "/etc");
  expect_error(dir, "name: demo\nworkdir: srv\n", 2, 10, "\"workdir\" must be an absolute path",
               "did you mean \"/srv\"?");
}

TEST_CASE("class: must be a layer class content can go in") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nmodel: [{src: models/, dst: /m, class: weights}]\n", 2, 40,
               "\"model[0].class\" is not a layer class: \"weights\"",
               "the classes are system, accelerator, framework, dependencies, model, code");
  expect_error(dir, "name: demo\nmodel: [{src: models/, dst: /m, class: modle}]\n", 2, 40,
               "is not a layer class", "did you mean \"model\"?");
  expect_error(dir, "name: demo\nmodel: [{src: models/, dst: /m, class: meta}]\n", 2, 40,
               "the meta class is reserved for generated build information", "use one of");
  expect_error(dir, "name: demo\nmodel: [{src: models/, dst: /m, class: base}]\n", 2, 40,
               "the base class is reserved for the base image's layers", "use one of");
}

TEST_CASE("user must be numeric") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nuser: app\n", 2, 7,
               "\"user\" must be a numeric uid or uid:gid: \"app\"", "runAsNonRoot");
  expect_error(dir, "name: demo\nuser: true\n", 2, 7, "must be a string or a number", "");
}

TEST_CASE("serve: command, port, probes, start-up") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nserve:\n  command: python3 -m uvicorn app.main:app --port 8080\n",
               3, 12, "\"serve.command\" must be a list of arguments, not a string",
               "command: [python3, -m, uvicorn, app.main:app, --port, \"8080\"]");
  expect_error(dir, "name: demo\nserve: {command: []}\n", 2, 18, "\"serve.command\" is empty",
               "command: [python3, -m, app]");
  expect_error(dir, "name: demo\nserve: {port: 70000}\n", 2, 15,
               "\"serve.port\" is out of range: 70000", "from 1 to 65535");
  expect_error(dir, "name: demo\nserve: {port: 0}\n", 2, 15, "out of range: 0", "1 to 65535");
  expect_error(dir, "name: demo\nserve: {port: \"8080\"}\n", 2, 15,
               "\"serve.port\" must be a whole number, not the string \"8080\"",
               "write it without quotes: port: 8080");
  expect_error(dir, "name: demo\nserve: {port: 80, health: healthz}\n", 2, 27,
               "\"serve.health\" must be an HTTP path starting with '/'",
               "did you mean \"/healthz\"?");
  expect_error(dir, "name: demo\nserve: {ready: /ready}\n", 2, 16,
               "\"serve.ready\" needs serve.port", "add port: 8080");
  expect_error(dir, "name: demo\nserve: {port: 80, startup_seconds: 0}\n", 2, 36,
               "\"serve.startup_seconds\" is out of range: 0", "from 1 to 86400");
}

TEST_CASE("deploy: names, counts and the service type") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ndeploy: {namespace: ML_Serving}\n", 2, 21,
               "\"deploy.namespace\" is not a valid Kubernetes name",
               "did you mean \"ml-serving\"?");
  expect_error(dir, "name: demo\ndeploy: {replicas: -1}\n", 2, 20,
               "\"deploy.replicas\" is out of range: -1", "from 0 to");
  expect_error(dir, "name: demo\ncuda: \"12.4\"\ndeploy: {gpu: 100}\n", 3, 15,
               "\"deploy.gpu\" is out of range: 100", "from 0 to 64");
  expect_error(dir, "name: demo\ndeploy: {gpu_resource: gpu}\n", 2, 24,
               "not an extended resource name: \"gpu\"", "nvidia.com/gpu");
  expect_error(dir, "name: demo\ndeploy: {image_pull_secrets: [Reg_Cred]}\n", 2, 31,
               "\"deploy.image_pull_secrets[0]\" is not a valid Secret name", "lowercase");
  expect_error(dir, "name: demo\ndeploy: {image_pull_secrets: regcred}\n", 2, 30,
               "must be a list, not the string \"regcred\"", "");
  expect_error(dir, "name: demo\ndeploy:\n  node_selector: {\"bad key!\": x}\n", 3, 31,
               "node label key \"bad key!\" is not valid", "[PREFIX/]NAME");
  expect_error(dir, "name: demo\ndeploy:\n  node_selector: {pool: \"a b\"}\n", 3, 25,
               "\"deploy.node_selector.pool\" is not a valid label value", "up to 63");
  expect_error(dir, "name: demo\ndeploy: {service_type: clusterip}\n", 2, 24,
               "not a Service type: \"clusterip\"", "did you mean \"ClusterIP\"?");
  expect_error(dir, "name: demo\ndeploy: {service_type: ExternalName}\n", 2, 24,
               "not a Service type", "use ClusterIP, NodePort or LoadBalancer");
  expect_error(dir, "name: demo\ndeploy: {kserve: yes}\n", 2, 18,
               "\"deploy.kserve\" must be true or false, not yes", "write true or false");
  expect_error(dir, "name: demo\ndeploy: {kserve: \"true\"}\n", 2, 18,
               "must be true or false, not the string", "without quotes");
}

TEST_CASE("deploy: Kubernetes quantities") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ndeploy: {resources: {memory: 16GB}}\n", 2, 30,
               "\"deploy.resources.memory\" is not a Kubernetes quantity: \"16GB\"",
               "did you mean \"16Gi\"?");
  expect_error(dir, "name: demo\ndeploy: {resources: {memory: lots}}\n", 2, 30,
               "not a Kubernetes quantity", "512Mi, 16Gi");
  expect_error(dir, "name: demo\ndeploy: {resources: {cpu: 4 cores}}\n", 2, 27,
               "\"deploy.resources.cpu\" is not a Kubernetes quantity: \"4 cores\"",
               "did you mean \"4\"?");
  expect_error(dir, "name: demo\ndeploy: {resources: {cpu: fast}}\n", 2, 27,
               "not a Kubernetes quantity", "write cores as 4, 0.5 or 500m");
  expect_error(dir, "name: demo\ndeploy: {resources: {cpu: 0}}\n", 2, 27,
               "must be greater than zero", "500m");
  expect_error(dir, "name: demo\ndeploy: {shm: 2 Gi}\n", 2, 15,
               "\"deploy.shm\" is not a Kubernetes quantity", "did you mean \"2Gi\"?");
  // What Kubernetes accepts, the recipe accepts.
  Recipe r = dir.parse("name: demo\ndeploy: {resources: {cpu: 2, memory: 1e9}, shm: 64Mi}\n");
  CHECK(r.deploy.cpu == "2");
  CHECK(r.deploy.memory == "1e9");
}

TEST_CASE("deploy: GPUs need a CUDA version") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ndeploy: {gpu: 1}\n", 2, 15,
               "deploy.gpu asks for 1 GPU(s) but the recipe sets no CUDA version",
               "set cuda: \"12.4\"");
  expect_error(dir, "name: demo\ncuda: cpu\ndeploy:\n  gpu: 2\n", 4, 8, "(cuda is \"cpu\")",
               "or remove deploy.gpu");
  CHECK(dir.parse("name: demo\ncuda: cpu\ndeploy: {gpu: 0}\n").deploy.gpu == 0);
}

TEST_CASE("deploy: autoscale bounds") {
  RecipeDir dir;
  expect_error(dir, "name: demo\ndeploy:\n  autoscale: {min: 4, max: 2}\n", 3, 20,
               "\"deploy.autoscale.min\" (4) is greater than \"deploy.autoscale.max\" (2)",
               "make min at most max");
  expect_error(dir, "name: demo\ndeploy:\n  autoscale: {min: 1}\n", 3, 14,
               "\"deploy.autoscale\" has no \"max\"", "add max: N");
  expect_error(dir, "name: demo\ndeploy:\n  autoscale: {max: 3, min: 0}\n", 3, 28,
               "\"deploy.autoscale.min\" is out of range: 0", "from 1 to");
  expect_error(dir, "name: demo\ndeploy:\n  autoscale: {max: 3, cpu: 0}\n", 3, 28,
               "\"deploy.autoscale.cpu\" is out of range: 0", "from 1 to 1000");
}

TEST_CASE("layering: budget and own-layer threshold") {
  RecipeDir dir;
  expect_error(dir, "name: demo\nlayering: {budget: 500}\n", 2, 20,
               "\"layering.budget\" is out of range: 500", "from 1 to 127");
  expect_error(dir, "name: demo\nlayering: {own_layer_threshold: 64MB}\n", 2, 33,
               "\"layering.own_layer_threshold\" is not a size: \"64MB\"",
               "did you mean \"64Mi\"?");
  expect_error(dir, "name: demo\nlayering: {own_layer_threshold: 0}\n", 2, 33, "is not a size",
               "64Mi");
}

TEST_CASE("fields not built yet are refused, never ignored") {
  RecipeDir dir;
  stowage::testing::write_text(dir.path() / "requirements.lock", "numpy==1.26.4\n");
  expect_error(dir, "name: demo\nsystem_packages: [libgomp1]\n", 2, 18,
               "\"system_packages\" is not supported yet", "remove system_packages");
  // They are still parsed and checked, so lifting the refusal needs no new parsing code.
  expect_error(dir, "name: demo\nsystem_packages: [\"Lib GOMP\"]\n", 2, 19,
               "\"system_packages[0]\" is not a package name", "NAME=VERSION");
  expect_error(dir, "name: demo\npython_requirements: missing.lock\n", 2, 22,
               "\"python_requirements\" does not exist: missing.lock", "");
  expect_error(dir, "name: demo\npython_index: [pypi.org/simple]\n", 2, 16,
               "\"python_index[0]\" is not an http(s) URL", "https://pypi.org/simple");
  expect_error(dir, "name: demo\npython_index: https://pypi.org/simple\n", 2, 15,
               "\"python_index\" must be a list", "");
}

TEST_CASE("any damaged recipe is either accepted or refused with an InputError") {
  // Cut the full example at every byte, and drop every single byte: whatever yaml-cpp makes of
  // the remains, the parser must answer with a located InputError, never another exception.
  RecipeDir dir;
  const std::string full = stowage::recipes::testing::example("full.yaml");
  auto check = [&](const std::string& text) {
    try {
      dir.parse(text);
    } catch (const InputError& e) {
      REQUIRE(e.where());
      CHECK(e.where()->file == dir.file().string());
    }
  };
  for (std::size_t cut = 0; cut < full.size(); ++cut)
    check(full.substr(0, cut));
  for (std::size_t drop = 0; drop < full.size(); ++drop) {
    check(full.substr(0, drop) + full.substr(drop + 1));
  }
  for (const char* odd : {"a: *nothing\n", "&x name: a\n", "name: demo\n<<: {base: scratch}\n", "{",
                          "[", "? [a, b]\n: c\n", "name: \"\\xff\"\n", "name: demo\n...\n"}) {
    CAPTURE(odd);
    check(odd);
  }
}
