// Kubernetes manifests for a built (or already pushed) image: the glue between the knowledge
// base (which driver a CUDA version needs) and kube/ (what the objects look like).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "kube/manifests.h"
#include "recipes/recipe.h"

namespace stowage::builder {

struct ManifestRequest {
  std::string image;              // REPO[:TAG]@sha256:… (refused otherwise)
  std::int64_t image_bytes = 0;   // compressed layers, base included; 0 = unknown
  std::int64_t model_bytes = -1;  // -1 = sum the recipe's model files
  kube::Format format = kube::Format::yaml;
  std::filesystem::path dir;  // output directory
  bool force = false;         // overwrite files in dir that stowage did not write
};

// Writes the manifests of `recipe` into request.dir. A GPU recipe's nodes must run at least
// the driver NVIDIA ships with the resolved CUDA toolkit (not only the minor-version
// compatibility floor, below which PTX JIT and newer features fail). Throws InputError for
// bad input, and for files in dir that stowage did not write unless request.force (nothing is
// written then).
std::vector<kube::ManifestFile> write_deploy_manifests(const recipes::Recipe& recipe,
                                                       const knowledge::Resolution& resolution,
                                                       const ManifestRequest& request);

}  // namespace stowage::builder
