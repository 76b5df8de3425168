// The recipe's serve/deploy sections and the manifest inputs, validated and with every
// default applied: what the object builders (objects.h) read. Internal to kube/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kube/manifests.h"
#include "recipes/recipe.h"

namespace stowage::kube {

struct Settings {
  std::string name;        // DNS-1035 label: every object's name
  std::string namespace_;  // "" = the kubectl context's namespace (metadata.namespace omitted)
  std::string image;       // REPO[:TAG]@sha256:...
  std::string version;     // app.kubernetes.io/version

  int port = 0;             // 0 = no ports, no probes, no Service
  std::string health_path;  // liveness and startup; "" = tcpSocket probes
  std::string ready_path;   // readiness; "" = tcpSocket
  int startup_allowance = 0;
  int progress_deadline = 0;

  int replicas = 1;
  std::optional<recipes::Autoscale> autoscale;  // cpu resolved (never 0)

  int gpu = 0;                             // 0 = CPU only: no GPU fields at all
  std::string gpu_resource;                // "nvidia.com/gpu"
  std::optional<NodeRequirements> driver;  // set for NVIDIA GPUs

  std::string cpu;     // requests.cpu
  std::string memory;  // requests.memory = limits.memory
  std::string shm;     // /dev/shm sizeLimit

  std::vector<std::string> pull_secrets;
  std::map<std::string, std::string> node_selector;
  std::string service_type;
  bool kserve = false;

  std::int64_t run_as_user = 0;
  std::optional<std::int64_t> run_as_group;
  std::string cache_dir;       // writable emptyDir for caches
  bool set_cache_env = false;  // add XDG_CACHE_HOME=cache_dir (the recipe did not set it)
};

// Validates and resolves. Throws InputError naming the recipe field (with its location when
// the recipe recorded one) or `--image`, and Error when GPUs lack `inputs.node`.
Settings resolve_settings(const recipes::Recipe& recipe, const ManifestInputs& inputs);

}  // namespace stowage::kube
