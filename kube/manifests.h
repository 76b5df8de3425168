// Kubernetes manifests for a recipe's image, pinned by digest.
//
// From a Recipe (its `serve` and `deploy` sections), the pushed image reference and what
// the nodes must offer, render_manifests() produces the objects a model server needs:
//   ServiceAccount, Service (when serve.port is set), Deployment,
//   HorizontalPodAutoscaler (autoscaling/v2, when deploy.autoscale is set),
//   PodDisruptionBudget (policy/v1, when more than one replica is kept),
//   kustomization.yaml and all.yaml listing those, and, when deploy.kserve is set, a KServe
//   InferenceService (serving.kserve.io/v1beta1) written beside them but not listed in
//   kustomization.yaml or all.yaml, since applying both would run the model twice.
// docs/kubernetes.md explains every generated field.
//
// Everything is validated before anything is produced: a bad quantity, a name that is not
// DNS-1123, GPUs without CUDA, or an image that is not pinned by digest is an InputError
// (exit 2) naming the field and the fix. Output is deterministic: the same inputs give the
// same bytes (keys sorted, fixed formatting, no timestamps).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "recipes/recipe.h"

namespace stowage::kube {

// What a node must offer to run the image's CUDA. The builder fills it from the ML knowledge
// base (CUDA version -> minimum NVIDIA driver); kube/ does not know that table.
struct NodeRequirements {
  std::string cuda_version;     // "12.4"; recorded in an annotation on the pod template
  int min_driver_major = 0;     // 550 for 550.54.14
  int min_driver_minor = 0;     // 54
  int min_driver_revision = 0;  // 14; 0 = any revision of major.minor
};

// NodeRequirements from a driver version as the knowledge base writes it ("550.54.14",
// "525.60.13", "580"): 1 to 3 dot-separated decimal numbers, missing parts 0. The builder
// passes knowledge::DriverRequirement::toolkit_minimum (or `minimum` when that is empty).
// Throws Error when `driver` is not such a version (the knowledge base's data is wrong).
NodeRequirements node_requirements(std::string cuda_version, std::string_view driver);

struct ManifestInputs {
  // "REPO[:TAG]@sha256:<64 hex>", as `stowage build --push` prints it. Required.
  std::string image;
  // Compressed size of all the image's layers, base included. Raises the Deployment's
  // progressDeadlineSeconds for images that take long to pull. 0 = unknown.
  std::int64_t image_bytes = 0;
  // Bytes of model files in the image. Sizes the startupProbe unless the recipe sets
  // serve.startup_seconds. 0 = unknown (the base allowance applies).
  std::int64_t model_bytes = 0;
  // Required when the recipe asks for NVIDIA GPUs (deploy.gpu > 0 with an nvidia.com/
  // resource); ignored otherwise.
  std::optional<NodeRequirements> node;
  // The app.kubernetes.io/version label. Empty = the first 12 hex digits of the digest.
  std::string version;
};

enum class Format { yaml, json };

// "yaml" or "json", as given to --format. Throws InputError naming --format otherwise.
Format parse_format(std::string_view text);

// One output file: its name inside the output directory and its complete content.
struct ManifestFile {
  std::string name;  // "deployment.yaml", "kustomization.yaml", "all.yaml", ...
  std::string content;
};

// Validates the recipe's serve/deploy sections and `inputs`, then renders every file, in a
// fixed order: one per object, then kustomization.yaml, then all.yaml (or all.json, a v1
// List). With Format::json the object files are JSON; kustomization.yaml is then JSON too
// (JSON is YAML, and kustomize only reads that file name).
// Throws InputError (exit 2) naming the field and the fix for bad input, and Error (exit 1)
// when GPUs are requested but `inputs.node` is missing (a caller bug, not a user's).
std::vector<ManifestFile> render_manifests(const recipes::Recipe& recipe,
                                           const ManifestInputs& inputs, Format format);

// Writes `files` into `dir` (created if missing). Every file is first written and synced
// under a temporary name; only when all of them are written are they renamed into place,
// so a failure leaves no new file behind. Files an earlier run wrote that this set no longer
// contains (e.g. horizontalpodautoscaler.yaml after autoscale was removed) are deleted.
// Throws Error on I/O failure.
void write_manifests(const std::filesystem::path& dir, const std::vector<ManifestFile>& files);

// render_manifests() then write_manifests(): bad input writes nothing. Returns the files.
std::vector<ManifestFile> generate_manifests(const recipes::Recipe& recipe,
                                             const ManifestInputs& inputs, Format format,
                                             const std::filesystem::path& dir);

}  // namespace stowage::kube
