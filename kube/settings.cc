#include "kube/settings.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <string_view>

#include "core/error.h"
#include "kube/sizing.h"
#include "layers/digest.h"
#include "recipes/names.h"
#include "recipes/quantity.h"

namespace stowage::kube {
namespace {

constexpr long double kGi = 0x1p30L;
// The distroless "nonroot" uid: used when the recipe leaves the user to the base image,
// whose user is usually root and would be refused under runAsNonRoot.
constexpr std::int64_t kDefaultUid = 65532;
constexpr std::string_view kDefaultCacheDir = "/cache";

using recipes::is_dns1123_label;
using recipes::is_dns1123_subdomain;
using recipes::is_label_key;
using recipes::is_label_value;
using recipes::parse_quantity;
using recipes::suggest_quantity;

// RFC 1035 label: a DNS-1123 label starting with a letter, as Service names must be.
bool is_dns1035_label(std::string_view name) {
  return is_dns1123_label(name) && name.front() >= 'a' && name.front() <= 'z';
}

// `bytes` as a whole number of Mi, rounded down, at least 1Mi.
std::string mebibytes(long double bytes) {
  const long double mi = std::floor(bytes / 0x1p20L);
  return std::to_string(mi < 1 ? 1 : static_cast<long long>(mi)) + "Mi";
}

[[noreturn]] void refuse(const recipes::Recipe& recipe, const std::string& field,
                         const std::string& what, const std::string& hint) {
  throw InputError(field + ": " + what, hint, recipe.where(field));
}

void check_image(const std::string& image) {
  const std::string expected =
      "pass --image REPO@sha256:<64 hex digits>, e.g. "
      "registry.example.com/team/model@sha256:<digest>, as `stowage build --push` prints it";
  const std::size_t at = image.rfind('@');
  if (at == std::string::npos) {
    throw InputError("--image \"" + image + "\" is not pinned by digest", expected);
  }
  const std::string_view digest = std::string_view(image).substr(at + 1);
  if (!layers::Digest::valid(digest)) {
    throw InputError(
        "--image \"" + image + "\": \"" + std::string(digest) + "\" is not a sha256 digest",
        expected);
  }
  // distribution's reference grammar: optional host[:port]/, lowercase path components
  // joined by ., _, __ or dashes, optional :tag.
  static const std::regex kName(
      R"(^(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)"
      R"((?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$)");
  if (!std::regex_match(image.begin(), image.begin() + static_cast<std::ptrdiff_t>(at), kName)) {
    throw InputError(
        "--image \"" + image + "\": \"" + image.substr(0, at) + "\" is not a valid repository name",
        expected);
  }
}

// `value` as a quantity of at least `minimum`, else an InputError naming `field`.
long double check_quantity(const recipes::Recipe& recipe, const std::string& field,
                           const std::string& value, const std::string& example) {
  const auto parsed = parse_quantity(value);
  if (parsed && *parsed > 0)
    return *parsed;
  const std::string fix = suggest_quantity(value);
  refuse(recipe, field, "\"" + value + "\" is not a positive Kubernetes quantity",
         fix.empty() ? "write a quantity such as " + example : "write \"" + fix + "\"");
}

void check_probe_path(const recipes::Recipe& recipe, const std::string& field,
                      const std::string& path) {
  if (path.empty() || path.front() == '/')
    return;
  refuse(recipe, field, "\"" + path + "\" is not an absolute HTTP path",
         "write it with a leading slash, e.g. \"/" + path + "\"");
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 10 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void resolve_user(const recipes::Recipe& recipe, Settings& s) {
  if (recipe.user.empty()) {
    s.run_as_user = kDefaultUid;
    s.run_as_group = kDefaultUid;
    return;
  }
  const std::size_t colon = recipe.user.find(':');
  const std::string uid = recipe.user.substr(0, colon);
  const std::string gid = colon == std::string::npos ? "" : recipe.user.substr(colon + 1);
  if (!all_digits(uid) || (colon != std::string::npos && !all_digits(gid))) {
    refuse(recipe, "user", "\"" + recipe.user + "\" is not a numeric uid[:gid]",
           "Kubernetes can only prove a numeric user is not root: write user: 1000 or 1000:1000");
  }
  s.run_as_user = std::stoll(uid);
  if (s.run_as_user == 0) {
    refuse(recipe, "user", "uid 0 is root, which the restricted security profile forbids",
           "set user: 1000 (any non-zero uid; image files are world-readable)");
  }
  if (!gid.empty())
    s.run_as_group = std::stoll(gid);
}

void resolve_serve(const recipes::Recipe& recipe, const ManifestInputs& inputs, Settings& s) {
  const recipes::Serve& serve = recipe.serve;
  if (serve.port < 0 || serve.port > 65535) {
    refuse(recipe, "serve.port", std::to_string(serve.port) + " is not a TCP port",
           "use a port between 1 and 65535, e.g. 8080");
  }
  check_probe_path(recipe, "serve.health", serve.health);
  check_probe_path(recipe, "serve.ready", serve.ready);
  if (serve.startup_seconds && *serve.startup_seconds <= 0) {
    refuse(recipe, "serve.startup_seconds",
           std::to_string(*serve.startup_seconds) + " is not a positive number of seconds",
           "remove it to derive the allowance from the model size, or give e.g. 600");
  }
  s.port = serve.port;
  s.health_path = serve.health;
  s.ready_path = serve.ready.empty() ? serve.health : serve.ready;
  s.startup_allowance = startup_allowance_seconds(inputs.model_bytes, serve.startup_seconds);
  s.progress_deadline = progress_deadline_seconds(inputs.image_bytes, s.startup_allowance);
}

bool cuda_is_set(const recipes::Recipe& recipe) {
  return !recipe.cuda.empty() && recipe.cuda != "cpu";
}

void resolve_gpu(const recipes::Recipe& recipe, const ManifestInputs& inputs, Settings& s) {
  const recipes::Deploy& d = recipe.deploy;
  if (d.gpu < 0) {
    refuse(recipe, "deploy.gpu", std::to_string(d.gpu) + " is not a GPU count",
           "use 0 for CPU only, or the number of GPUs per replica");
  }
  // A CUDA image deployed without a `deploy` section gets the one GPU it was built for.
  s.gpu = recipe.has_deploy ? d.gpu : (cuda_is_set(recipe) ? 1 : 0);
  if (s.gpu == 0)
    return;
  if (!cuda_is_set(recipe)) {
    refuse(recipe, "deploy.gpu",
           std::to_string(s.gpu) + " GPU(s) requested but the recipe sets no CUDA version",
           "set cuda: \"12.4\" (the image's CUDA version), or remove deploy.gpu for CPU only");
  }
  if (!is_label_key(d.gpu_resource) || d.gpu_resource.find('/') == std::string::npos) {
    refuse(recipe, "deploy.gpu_resource",
           "\"" + d.gpu_resource + "\" is not an extended resource name",
           "write a domain-qualified name such as nvidia.com/gpu");
  }
  s.gpu_resource = d.gpu_resource;
  if (d.gpu_resource.rfind("nvidia.com/", 0) != 0)
    return;
  if (!inputs.node || inputs.node->min_driver_major <= 0) {
    throw Error("no minimum NVIDIA driver was given for CUDA " + recipe.cuda,
                "the caller must fill ManifestInputs::node from the knowledge base");
  }
  s.driver = inputs.node;
}

void resolve_resources(const recipes::Recipe& recipe, const ManifestInputs& inputs, Settings& s) {
  const recipes::Deploy& d = recipe.deploy;
  s.cpu = d.cpu.empty() ? std::to_string(s.gpu > 0 ? 4 * s.gpu : 1) : d.cpu;
  if (!d.cpu.empty())
    check_quantity(recipe, "deploy.resources.cpu", d.cpu, "4 or 500m");

  long double memory = 0;
  if (d.memory.empty()) {
    // Room to stage the weights once in host memory, plus 1Gi for the server, at least 2Gi.
    const long double model =
        static_cast<long double>(std::max<std::int64_t>(inputs.model_bytes, 0));
    const long double gib = std::max(2.0L, std::ceil(model * 1.25L / kGi) + 1.0L);
    s.memory = std::to_string(static_cast<long long>(gib)) + "Gi";
    memory = gib * kGi;
  } else {
    memory = check_quantity(recipe, "deploy.resources.memory", d.memory, "16Gi");
    s.memory = d.memory;
  }

  if (d.shm.empty()) {
    // PyTorch DataLoader workers and NCCL need far more than the runtime's 64Mi; a
    // memory-backed /dev/shm counts against the memory limit, so cap it at a quarter.
    const long double wanted = s.gpu > 0 ? kGi : kGi / 4;
    s.shm = mebibytes(std::min(wanted, memory / 4));
  } else {
    const long double shm = check_quantity(recipe, "deploy.shm", d.shm, "2Gi");
    if (shm > memory) {
      refuse(recipe, "deploy.shm",
             "\"" + d.shm + "\" is larger than the memory limit \"" + s.memory + "\"",
             "/dev/shm lives in memory and counts against deploy.resources.memory: lower "
             "deploy.shm or raise the memory");
    }
    s.shm = d.shm;
  }
}

void resolve_scaling(const recipes::Recipe& recipe, Settings& s) {
  const recipes::Deploy& d = recipe.deploy;
  if (d.replicas < 0) {
    refuse(recipe, "deploy.replicas", std::to_string(d.replicas) + " is not a replica count",
           "use 1 or more (0 keeps the Deployment scaled down)");
  }
  s.replicas = d.replicas;
  if (!d.autoscale)
    return;
  recipes::Autoscale a = *d.autoscale;
  if (a.min < 1) {
    refuse(recipe, "deploy.autoscale.min", std::to_string(a.min) + " is below 1",
           "the HorizontalPodAutoscaler keeps at least one replica: use min: 1 or more");
  }
  if (a.max < a.min) {
    refuse(recipe, "deploy.autoscale.max",
           std::to_string(a.max) + " is below min (" + std::to_string(a.min) + ")",
           "set max to at least min");
  }
  if (a.cpu < 0) {
    refuse(recipe, "deploy.autoscale.cpu", std::to_string(a.cpu) + " is not a percentage",
           "give the target CPU utilisation in percent, e.g. 70, or leave it out for 80");
  }
  if (a.cpu == 0)
    a.cpu = 80;  // the HorizontalPodAutoscaler's own default, made explicit
  s.autoscale = a;
}

void resolve_names(const recipes::Recipe& recipe, const ManifestInputs& inputs, Settings& s) {
  if (!is_dns1035_label(recipe.name)) {
    refuse(recipe, "name", "\"" + recipe.name + "\" is not a DNS-1123 label starting with a letter",
           "use at most 63 lowercase letters, digits and '-', starting with a letter and ending "
           "with a letter or digit, e.g. sentiment-api");
  }
  s.name = recipe.name;
  const recipes::Deploy& d = recipe.deploy;
  if (!d.namespace_.empty() && !is_dns1123_label(d.namespace_)) {
    refuse(recipe, "deploy.namespace", "\"" + d.namespace_ + "\" is not a DNS-1123 label",
           "use at most 63 lowercase letters, digits and '-', e.g. ml-serving");
  }
  s.namespace_ = d.namespace_;
  for (std::size_t i = 0; i < d.image_pull_secrets.size(); ++i) {
    if (!is_dns1123_subdomain(d.image_pull_secrets[i])) {
      refuse(recipe, "deploy.image_pull_secrets[" + std::to_string(i) + "]",
             "\"" + d.image_pull_secrets[i] + "\" is not a DNS-1123 Secret name",
             "use the name of a Secret in the namespace, e.g. regcred");
    }
  }
  s.pull_secrets = d.image_pull_secrets;
  for (const auto& [key, value] : d.node_selector) {
    if (!is_label_key(key)) {
      refuse(recipe, "deploy.node_selector." + key, "\"" + key + "\" is not a label key",
             "use [prefix/]name, e.g. cloud.google.com/gke-accelerator");
    }
    if (!is_label_value(value)) {
      refuse(recipe, "deploy.node_selector." + key, "\"" + value + "\" is not a label value",
             "use at most 63 letters, digits, '-', '_' and '.', starting and ending "
             "alphanumeric");
    }
  }
  s.node_selector = d.node_selector;
  if (d.service_type != "ClusterIP" && d.service_type != "NodePort" &&
      d.service_type != "LoadBalancer") {
    refuse(recipe, "deploy.service_type", "\"" + d.service_type + "\" is not a Service type",
           "use ClusterIP, NodePort or LoadBalancer");
  }
  s.service_type = d.service_type;
  s.kserve = d.kserve;
  // KServe names the predictor's Service "<name>-predictor", which must stay a DNS label.
  if (s.kserve && s.name.size() + std::string_view("-predictor").size() > 63) {
    refuse(recipe, "name", "\"" + s.name + "\" is too long for KServe",
           "KServe appends \"-predictor\": use at most 53 characters");
  }
  s.version =
      inputs.version.empty()
          ? inputs.image.substr(inputs.image.rfind('@') + std::string_view("@sha256:").size(), 12)
          : inputs.version;
  if (!is_label_value(s.version)) {
    throw InputError("version \"" + s.version + "\" is not a Kubernetes label value",
                     "use at most 63 letters, digits, '-', '_' and '.', e.g. 1.4.2");
  }
}

void resolve_cache(const recipes::Recipe& recipe, Settings& s) {
  const auto it = recipe.env.find("XDG_CACHE_HOME");
  if (it == recipe.env.end()) {
    s.cache_dir = kDefaultCacheDir;
    s.set_cache_env = true;
    return;
  }
  if (it->second.empty() || it->second.front() != '/' || it->second == "/") {
    refuse(recipe, "env.XDG_CACHE_HOME", "\"" + it->second + "\" is not an absolute directory",
           "give an absolute path such as /cache, or leave it out");
  }
  s.cache_dir = it->second;
}

}  // namespace

Settings resolve_settings(const recipes::Recipe& recipe, const ManifestInputs& inputs) {
  check_image(inputs.image);
  Settings s;
  s.image = inputs.image;
  resolve_names(recipe, inputs, s);
  resolve_user(recipe, s);
  resolve_serve(recipe, inputs, s);
  resolve_gpu(recipe, inputs, s);
  resolve_resources(recipe, inputs, s);
  resolve_scaling(recipe, s);
  resolve_cache(recipe, s);
  return s;
}

}  // namespace stowage::kube
