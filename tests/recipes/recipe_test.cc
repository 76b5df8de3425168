// Valid recipes parse into the expected Recipe value, with locations for every field.
#include "recipes/recipe.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/support/recipe_dir.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using stowage::InputError;
using namespace stowage::recipes;
using stowage::recipes::testing::example;
using stowage::recipes::testing::RecipeDir;

namespace {

void check_at(const Recipe& r, const std::string& path, int line, int column) {
  CAPTURE(path);
  stowage::SourceLocation at = r.where(path);
  CHECK(at.file == r.file.string());
  CHECK(at.line == line);
  CHECK(at.column == column);
}

}  // namespace

TEST_CASE("a full recipe parses into every field") {
  RecipeDir dir;
  Recipe r = dir.parse(example("full.yaml"));

  CHECK(r.file == dir.file());
  CHECK(r.dir == dir.path());
  CHECK(r.name == "sentiment-api");
  CHECK(r.base == "python:3.11-slim");
  CHECK(r.base_spec.kind == BaseSpec::Kind::registry);
  CHECK(r.base_spec.reference == "python:3.11-slim");
  CHECK(r.python == "3.11");
  CHECK(r.cuda == "12.4");
  REQUIRE(r.framework);
  CHECK(r.framework->name == "pytorch");
  CHECK(r.framework->version == "2.5.1");
  CHECK(r.python_requirements.empty());
  CHECK(r.python_index.empty());
  CHECK(r.system_packages.empty());

  REQUIRE(r.model.size() == 2);
  CHECK(r.model[0].src == "models/");
  CHECK(r.model[0].source == fs::canonical(dir.path() / "models"));
  CHECK(r.model[0].dst == "/models");
  CHECK_FALSE(r.model[0].class_override);
  CHECK(r.model[1].src == "models/config.json");
  CHECK(r.model[1].source == fs::canonical(dir.path() / "models/config.json"));
  CHECK(r.model[1].dst == "/etc/model/config.json");
  CHECK(r.model[1].class_override == LayerClass::code);
  REQUIRE(r.code.size() == 1);
  CHECK(r.code[0].src == "app/");
  CHECK(r.code[0].source == fs::canonical(dir.path() / "app"));
  CHECK(r.code[0].dst == "/app");

  CHECK(r.env ==
        std::map<std::string, std::string>{{"LOG_LEVEL", "info"}, {"MODEL_DIR", "/models"}});
  CHECK(r.user == "1000");
  CHECK(r.workdir == "/app");
  CHECK(r.labels == std::map<std::string, std::string>{
                        {"org.opencontainers.image.source", "https://example.com/sentiment"}});

  CHECK(r.serve.command == std::vector<std::string>{"python3", "-m", "uvicorn", "app.main:app",
                                                    "--host", "0.0.0.0", "--port", "8080"});
  CHECK(r.serve.port == 8080);
  CHECK(r.serve.health == "/healthz");
  CHECK(r.serve.ready == "/ready");
  CHECK(r.serve.startup_seconds == 600);

  CHECK(r.has_deploy);
  CHECK(r.deploy.namespace_ == "ml-serving");
  CHECK(r.deploy.replicas == 2);
  CHECK(r.deploy.gpu == 1);
  CHECK(r.deploy.gpu_resource == "nvidia.com/gpu");
  CHECK(r.deploy.cpu == "4");
  CHECK(r.deploy.memory == "16Gi");
  CHECK(r.deploy.shm == "2Gi");
  REQUIRE(r.deploy.autoscale);
  CHECK(r.deploy.autoscale->min == 1);
  CHECK(r.deploy.autoscale->max == 4);
  CHECK(r.deploy.autoscale->cpu == 70);
  CHECK(r.deploy.image_pull_secrets == std::vector<std::string>{"regcred"});
  CHECK(r.deploy.node_selector ==
        std::map<std::string, std::string>{{"cloud.google.com/gke-accelerator", "nvidia-l4"}});
  CHECK(r.deploy.service_type == "LoadBalancer");
  CHECK(r.deploy.kserve);

  CHECK(r.layering.budget == 40);
  CHECK(r.layering.own_layer_threshold == 32 * 1024 * 1024);
}

TEST_CASE("every field of the full recipe has its location") {
  RecipeDir dir;
  Recipe r = dir.parse(example("full.yaml"));
  check_at(r, "name", 2, 7);
  check_at(r, "framework.version", 6, 37);
  check_at(r, "model[0]", 8, 5);
  check_at(r, "model[1].src", 9, 10);
  check_at(r, "model[1].class", 11, 12);
  check_at(r, "env.MODEL_DIR", 14, 18);
  check_at(r, "serve.command[3]", 19, 35);
  check_at(r, "serve.port", 20, 9);
  check_at(r, "deploy.gpu", 27, 8);
  check_at(r, "deploy.resources.memory", 29, 33);
  check_at(r, "deploy.node_selector.cloud.google.com/gke-accelerator", 33, 53);
  check_at(r, "layering.own_layer_threshold", 38, 24);
  // Paths nobody wrote fall back to the nearest enclosing field, then to the file.
  CHECK(r.where("deploy.resources.gpu").line == 29);
  CHECK(r.where("model[1].missing").line == 9);
  stowage::SourceLocation nowhere = r.where("python_index");
  CHECK(nowhere.file == r.file.string());
  CHECK(nowhere.line == 0);
}

TEST_CASE("defaults fill what a minimal recipe leaves out") {
  RecipeDir dir;
  Recipe r = dir.parse(example("minimal.yaml"));
  CHECK(r.name == "tiny");
  CHECK(r.base_spec.kind == BaseSpec::Kind::scratch);
  CHECK(r.python.empty());
  CHECK(r.cuda.empty());
  CHECK_FALSE(r.framework);
  CHECK(r.model.empty());
  // A single mapping is a one-item list.
  REQUIRE(r.code.size() == 1);
  CHECK(r.code[0].dst == "/app");
  CHECK(r.where("code[0].src").line == 3);
  CHECK(r.serve.command.empty());
  CHECK(r.serve.port == 0);
  CHECK_FALSE(r.has_deploy);
  CHECK(r.deploy.replicas == 1);
  CHECK(r.deploy.gpu == 0);
  CHECK(r.deploy.gpu_resource == "nvidia.com/gpu");
  CHECK(r.deploy.service_type == "ClusterIP");
  CHECK_FALSE(r.deploy.kserve);
  CHECK_FALSE(r.deploy.autoscale);
  CHECK(r.layering.budget == 32);
  CHECK(r.layering.own_layer_threshold == 64 * 1024 * 1024);
}

TEST_CASE("a CPU recipe: cuda cpu, digest-pinned base, decimal quantities, uid:gid") {
  RecipeDir dir;
  Recipe r = dir.parse(example("cpu.yaml"));
  CHECK(r.cuda == "cpu");
  CHECK(r.base_spec.kind == BaseSpec::Kind::registry);
  CHECK(r.model.size() == 1);
  CHECK(r.model[0].class_override == LayerClass::model);
  CHECK(r.code[0].source == fs::canonical(dir.path() / "app/main.py"));
  CHECK(r.user == "1000:1000");
  CHECK(r.serve.ready == "/health");  // readiness defaults to the health path
  CHECK(r.deploy.cpu == "500m");
  CHECK(r.deploy.memory == "1.5G");
  CHECK(r.deploy.service_type == "NodePort");
  CHECK(r.layering.own_layer_threshold == 1048576);
}

TEST_CASE("base: scratch, oci:DIR[:TAG] and rootfs:FILE.tar resolve against the recipe's dir") {
  RecipeDir dir;
  stowage::testing::write_text(dir.path() / "layout/oci-layout",
                               R"({"imageLayoutVersion":"1.0.0"})");
  stowage::testing::write_text(dir.path() / "rootfs.tar", "not really a tar");

  Recipe oci = dir.parse("name: a\nbase: oci:layout:v1\n");
  CHECK(oci.base_spec.kind == BaseSpec::Kind::oci_layout);
  CHECK(oci.base_spec.path == dir.path() / "layout");
  CHECK(oci.base_spec.tag == "v1");

  Recipe untagged = dir.parse("name: a\nbase: oci:layout\n");
  CHECK(untagged.base_spec.path == dir.path() / "layout");
  CHECK(untagged.base_spec.tag.empty());

  Recipe absolute = dir.parse("name: a\nbase: oci:" + (dir.path() / "layout").string() + ":x\n");
  CHECK(absolute.base_spec.path == dir.path() / "layout");
  CHECK(absolute.base_spec.tag == "x");

  Recipe rootfs = dir.parse("name: a\nbase: rootfs:rootfs.tar\n");
  CHECK(rootfs.base_spec.kind == BaseSpec::Kind::rootfs);
  CHECK(rootfs.base_spec.path == dir.path() / "rootfs.tar");

  Recipe none = dir.parse("name: a\n");
  CHECK(none.base_spec.kind == BaseSpec::Kind::unspecified);
}

TEST_CASE("registry references of every common shape are accepted") {
  RecipeDir dir;
  for (const char* ref :
       {"python", "python:3.11-slim", "library/python:3.11", "ghcr.io/org/team/app:v1.2.3",
        "localhost:5000/app", "127.0.0.1:5000/a/b_c__d-e.f:latest",
        "nvcr.io/nvidia/pytorch:24.05-py3",
        "python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    CAPTURE(ref);
    CHECK(dir.parse(std::string("name: a\nbase: ") + ref + "\n").base_spec.reference == ref);
  }
}

TEST_CASE("quoted, block and explicitly tagged strings are strings") {
  RecipeDir dir;
  Recipe r = dir.parse(
      "name: a\nenv:\n  A: 'yes'\n  B: !!str 8080\n  C: |\n    two\n    lines\n  D: \"\"\n");
  CHECK(r.env == std::map<std::string, std::string>{
                     {"A", "yes"}, {"B", "8080"}, {"C", "two\nlines\n"}, {"D", ""}});
}

TEST_CASE("load_recipe reads a file, or a directory's stowage.yaml") {
  RecipeDir dir;
  stowage::testing::write_text(dir.file(), example("minimal.yaml"));
  CHECK(load_recipe(dir.file()).name == "tiny");
  Recipe from_dir = load_recipe(dir.path());
  CHECK(from_dir.name == "tiny");
  CHECK(from_dir.file == dir.file());
}

TEST_CASE("recipe_keys lists every key once, sections included") {
  std::vector<std::string> keys = recipe_keys();
  for (const char* k : {"name", "serve.command", "deploy.resources", "deploy.resources.memory",
                        "deploy.autoscale.max", "model[].src", "code[].class",
                        "layering.own_layer_threshold", "system_packages"}) {
    CAPTURE(k);
    CHECK(std::count(keys.begin(), keys.end(), k) == 1);
  }
}
