#include "knowledge/python_packages.h"

#include <cctype>
#include <cstdio>
#include <set>

#include "core/strings.h"
#include "knowledge/knowledge.h"

namespace stowage::knowledge {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

// "jax-cuda12-plugin" with kind "plugin" -> true.
bool is_jax_cuda_part(std::string_view n, std::string_view kind) {
  constexpr std::string_view prefix = "jax-cuda";
  if (!n.starts_with(prefix))
    return false;
  n.remove_prefix(prefix.size());
  size_t dash = n.find('-');
  return dash != std::string_view::npos && all_digits(n.substr(0, dash)) &&
         n.substr(dash + 1) == kind;
}

// The CUDA major an nvidia-* wheel is built for; 0 when the name does not say.
int nvidia_wheel_major(std::string_view normalized, std::string_view version) {
  size_t pos = normalized.rfind("-cu");
  if (pos != std::string_view::npos && all_digits(normalized.substr(pos + 3))) {
    return std::stoi(std::string(normalized.substr(pos + 3)));
  }
  // CUDA 13 toolkit components dropped the suffix; their version is the CUDA version.
  static const std::set<std::string, std::less<>> unsuffixed = {
      "nvidia-cuda-runtime", "nvidia-cuda-nvrtc", "nvidia-cuda-cupti", "nvidia-cuda-nvcc"};
  if (unsuffixed.contains(normalized)) {
    std::string_view major = version.substr(0, version.find('.'));
    if (all_digits(major))
      return std::stoi(std::string(major));
  }
  return 0;
}

bool is_cuda_library_wheel(std::string_view normalized) {
  return normalized.starts_with("nvidia-") &&
         classify_distribution(normalized) == recipes::LayerClass::accelerator;
}

// "12.4" -> "cu124"; "cpu" -> "cpu".
std::string torch_local_tag(std::string_view cuda) {
  if (cuda == "cpu")
    return "cpu";
  std::string tag = "cu";
  for (char c : cuda) {
    if (c != '.')
      tag += c;
  }
  return tag;
}

// "cu124" -> "12.4"; anything else is returned as written.
std::string describe_local(std::string_view local) {
  if (local.starts_with("cu") && all_digits(local.substr(2)) && local.size() >= 4) {
    std::string digits(local.substr(2));
    return "CUDA " + digits.substr(0, digits.size() - 1) + "." + digits.substr(digits.size() - 1);
  }
  if (local == "cpu")
    return "CPU";
  return std::string(local);
}

std::string mib(std::uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

std::string normalize_distribution_name(std::string_view name) {
  std::string out;
  bool in_separator = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      in_separator = true;
      continue;
    }
    if (in_separator && !out.empty())
      out += '-';
    in_separator = false;
    out += to_lower(c);
  }
  return out;
}

recipes::LayerClass classify_distribution(std::string_view name) {
  const std::string n = normalize_distribution_name(name);
  static const std::set<std::string, std::less<>> frameworks = {
      "torch", "torchvision", "torchaudio",  "triton",         "tensorflow",
      "jax",   "jaxlib",      "onnxruntime", "onnxruntime-gpu"};
  if (frameworks.contains(n) || n.starts_with("tensorflow-") || is_jax_cuda_part(n, "plugin") ||
      is_jax_cuda_part(n, "pjrt")) {
    return recipes::LayerClass::framework;
  }
  if (n == "nvidia-ml-py")
    return recipes::LayerClass::dependencies;
  if (n.starts_with("nvidia-") || n.starts_with("cuda-"))
    return recipes::LayerClass::accelerator;
  return recipes::LayerClass::dependencies;
}

std::vector<std::string> check_lock(const std::vector<Pin>& pins, std::string_view cuda,
                                    bool cuda_in_base) {
  const int cuda_major = cuda == "cpu" ? 0 : std::stoi(std::string(cuda.substr(0, cuda.find('.'))));
  const bool major_only = cuda.find('.') == std::string_view::npos;
  std::uint64_t cuda_wheel_bytes = 0;
  int cuda_wheels = 0;
  int cuda_wheels_sized = 0;

  for (const auto& pin : pins) {
    const std::string n = normalize_distribution_name(pin.name);
    if (n == "torch" || n == "torchvision" || n == "torchaudio") {
      size_t plus = pin.version.find('+');
      if (plus != std::string::npos) {
        const std::string local = pin.version.substr(plus + 1);
        bool ok = local == torch_local_tag(cuda);
        if (!ok && major_only && cuda != "cpu") {
          ok = local.starts_with("cu" + std::to_string(cuda_major)) &&
               local.size() == 2 + std::to_string(cuda_major).size() + 1;
        }
        if (!ok) {
          throw InputError("the lock pins " + pin.name + "==" + pin.version + ", a " +
                               describe_local(local) + " build, but the recipe's cuda is " +
                               std::string(cuda),
                           "re-lock against the index for " +
                               (cuda == "cpu" ? std::string("CPU") : "CUDA " + std::string(cuda)) +
                               ", or change cuda: to match the lock",
                           pin.where);
        }
      }
    }
    if (is_cuda_library_wheel(n)) {
      ++cuda_wheels;
      if (pin.size) {
        cuda_wheel_bytes += *pin.size;
        ++cuda_wheels_sized;
      }
      const int major = nvidia_wheel_major(n, pin.version);
      if (major != 0 && cuda != "cpu" && major != cuda_major) {
        throw InputError("the lock pins " + pin.name + "==" + pin.version + ", a CUDA " +
                             std::to_string(major) + " library, but the recipe's cuda is " +
                             std::string(cuda),
                         "re-lock so every nvidia-* wheel is a CUDA " + std::to_string(cuda_major) +
                             " one, or change cuda: to match",
                         pin.where);
      }
    }
  }

  std::vector<std::string> warnings;
  if (cuda_wheels > 0) {
    std::string size;
    if (cuda_wheels_sized == cuda_wheels) {
      size = mib(cuda_wheel_bytes) + " (" + std::to_string(cuda_wheel_bytes) + " bytes)";
    } else if (cuda_wheels_sized > 0) {
      size = "at least " + mib(cuda_wheel_bytes) + " (" + std::to_string(cuda_wheel_bytes) +
             " bytes; " + std::to_string(cuda_wheels - cuda_wheels_sized) + " sizes unknown)";
    } else {
      size = "an unknown number of bytes";
    }
    if (cuda_in_base) {
      warnings.push_back(
          "CUDA is installed twice: the nvidia/cuda base image carries CUDA and "
          "the lock pins " +
          std::to_string(cuda_wheels) + " nvidia-* CUDA wheels; one copy wastes " + size +
          ". Use a slim Python base (drop base:) or drop the nvidia-* wheels.");
    } else if (cuda == "cpu") {
      warnings.push_back("the recipe is CPU-only but the lock pins " + std::to_string(cuda_wheels) +
                         " nvidia-* CUDA wheels, " + size +
                         " nothing will use. Lock against a CPU index.");
    }
  }
  return warnings;
}

}  // namespace stowage::knowledge
