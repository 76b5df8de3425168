// Rules about Python distributions that depend on ML knowledge: which layer class a wheel
// belongs to, and lock-file checks against the recipe's CUDA.
//
// Names are compared after PEP 503 normalisation ("Torch_Vision" == "torch-vision").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "recipes/layer_class.h"

namespace stowage::knowledge {

// PEP 503: lower case, every run of "-", "_" and "." becomes one "-".
std::string normalize_distribution_name(std::string_view name);

// The layer class of an installed distribution:
//   accelerator  - CUDA libraries: nvidia-* (except nvidia-ml-py, Python bindings only) and cuda-*
//   framework    - torch, torchvision, torchaudio, triton, tensorflow, tensorflow-*,
//                  jax, jaxlib, jax-cuda*-plugin, jax-cuda*-pjrt, onnxruntime, onnxruntime-gpu
//   dependencies - everything else
// triton is a framework wheel: it is released in lock-step with torch, not with CUDA.
recipes::LayerClass classify_distribution(std::string_view name);

// One pinned requirement of a lock ("torch==2.5.1+cu124").
struct Pin {
  std::string name;                     // as written; normalised before use
  std::string version;                  // "2.5.1+cu124"
  std::optional<std::uint64_t> size;    // bytes of the wheel, when known
  std::optional<SourceLocation> where;  // the lock line, for errors
};

// Checks a lock against the resolved CUDA ("12.4", "12" or "cpu").
// Throws InputError, located at the pin's line, when
//   - torch, torchvision or torchaudio carries a local version (+cu124, +cpu) that differs from
//     `cuda` (for a major-only `cuda`, any build of that major is accepted);
//   - an nvidia-*-cuNN wheel belongs to another CUDA major than `cuda`.
// Returns warnings (one sentence each) when
//   - `cuda_in_base` (the base image is nvidia/cuda) and the lock also pins nvidia-* CUDA
//     wheels: CUDA would be installed twice; the text states the bytes wasted when sizes are known;
//   - `cuda` is "cpu" and the lock pins nvidia-* CUDA wheels nobody will use.
std::vector<std::string> check_lock(const std::vector<Pin>& pins, std::string_view cuda,
                                    bool cuda_in_base);

}  // namespace stowage::knowledge
