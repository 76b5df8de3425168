// The Kubernetes objects, as JSON values, from resolved Settings. Internal to kube/.
// Key order is nlohmann::json's (sorted), so output is deterministic by construction.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/settings.h"

namespace stowage::kube {

struct KubeObject {
  std::string file_stem;  // "deployment": the file is file_stem + ".yaml" / ".json"
  nlohmann::json body;
};

// The objects kustomization.yaml and all.yaml list, in apply order: ServiceAccount, Service,
// Deployment, HorizontalPodAutoscaler, PodDisruptionBudget (each only when it applies).
std::vector<KubeObject> core_objects(const Settings& s);

// The KServe InferenceService for the same model server.
KubeObject inference_service(const Settings& s);

}  // namespace stowage::kube
