// Recipes, manifest inputs and the schema validator for the Kubernetes manifest tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "kube/manifests.h"
#include "recipes/recipe.h"
#include "tests/support/process.h"

namespace stowage::kube::testing {

inline const std::string kDigest =
    "sha256:5d41402abc4b2a76b9719d911017c592ae2a1e6c8d9e0a7b6f5e4d3c2b1a0918";
inline const std::string kImage = "registry.example.com:5000/ml/sentiment-api@" + kDigest;

// NVIDIA's CUDA Toolkit release notes, Table 3 ("CUDA Toolkit and Corresponding Driver
// Versions"): CUDA 12.4 GA needs Linux driver >= 550.54.14. Given as input, as the builder
// gives it from the knowledge base.
inline NodeRequirements cuda_12_4() {
  return {"12.4", 550, 54, 14};
}

// A GPU model server with every deploy field set.
inline recipes::Recipe gpu_recipe() {
  recipes::Recipe r;
  r.file = "/work/project/stowage.yaml";
  r.dir = "/work/project";
  r.name = "sentiment-api";
  r.cuda = "12.4";
  r.user = "1000:1000";
  r.env = {{"MODEL_DIR", "/models"}};
  r.serve.command = {"python3", "-m", "uvicorn", "app.main:app", "--port", "8080"};
  r.serve.port = 8080;
  r.serve.health = "/healthz";
  r.serve.ready = "/ready";
  r.has_deploy = true;
  r.deploy.namespace_ = "ml-serving";
  r.deploy.replicas = 2;
  r.deploy.gpu = 1;
  r.deploy.cpu = "4";
  r.deploy.memory = "16Gi";
  r.deploy.shm = "2Gi";
  r.deploy.autoscale = recipes::Autoscale{2, 4, 70};
  r.deploy.image_pull_secrets = {"regcred"};
  r.deploy.node_selector = {{"cloud.google.com/gke-accelerator", "nvidia-l4"}};
  r.locations["deploy"] = {"/work/project/stowage.yaml", 12, 1};
  r.locations["deploy.resources.memory"] = {"/work/project/stowage.yaml", 17, 32};
  r.locations["name"] = {"/work/project/stowage.yaml", 1, 7};
  return r;
}

// A CPU-only server with no `deploy` section: every default applies.
inline recipes::Recipe cpu_recipe() {
  recipes::Recipe r;
  r.file = "/work/tiny/stowage.yaml";
  r.dir = "/work/tiny";
  r.name = "tiny-classifier";
  r.cuda = "cpu";
  r.serve.command = {"python3", "/app/serve.py"};
  r.serve.port = 8000;
  r.serve.health = "/healthz";
  return r;
}

inline recipes::Recipe kserve_recipe() {
  recipes::Recipe r = gpu_recipe();
  r.name = "llm-chat";
  r.deploy.kserve = true;
  r.deploy.autoscale.reset();
  r.deploy.replicas = 1;
  return r;
}

inline ManifestInputs gpu_inputs() {
  ManifestInputs in;
  in.image = kImage;
  in.image_bytes = std::int64_t{9} << 30;
  in.model_bytes = std::int64_t{5} << 30;
  in.node = cuda_12_4();
  return in;
}

inline ManifestInputs cpu_inputs() {
  ManifestInputs in;
  in.image = kImage;
  in.image_bytes = std::int64_t{300} << 20;
  in.model_bytes = std::int64_t{40} << 20;
  return in;
}

// Runs tests/kube/validate.js (Kubernetes OpenAPI schemas via kubernetes-models, KServe's
// CRD schema) on `files`. KUBE_VALIDATOR_SCRIPT and KUBE_VALIDATOR_NODE_MODULES come from
// tests/kube/CMakeLists.txt, which installs the validator's npm packages.
inline stowage::testing::ProcessResult validate(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> argv = {"node", KUBE_VALIDATOR_SCRIPT};
  for (const auto& f : files)
    argv.push_back(f.string());
  stowage::testing::RunOptions options;
  options.env["STOWAGE_KUBE_NODE_MODULES"] = KUBE_VALIDATOR_NODE_MODULES;
  options.timeout = std::chrono::seconds(120);
  return stowage::testing::run(argv, options);
}

}  // namespace stowage::kube::testing
