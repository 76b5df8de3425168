// The ML knowledge base: which framework builds exist for which CUDA and Python, which
// NVIDIA driver a CUDA version needs, and which base image a recipe gets by default.
//
// The facts live in knowledge/data/frameworks.json (schema: knowledge/data/frameworks.schema.json,
// sources: docs/frameworks.md). The file is compiled into the binary, so an installed stowage
// needs no data files. KnowledgeBase::builtin() parses it once; every query is read-only and
// thread-safe afterwards.
//
// Versions are compared numerically per dotted component ("2.10.0" > "2.9.1"). CUDA versions
// are "major.minor" ("12.4"); "cpu" means no CUDA.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "recipes/recipe.h"

namespace stowage::knowledge {

// The NVIDIA driver a node needs to run code built for a CUDA version.
struct DriverRequirement {
  std::string cuda;  // "12.4", or "12" when only the major is known
  // The hard floor: CUDA minor version compatibility lets any driver of the major's branch
  // from this version on run the code ("525.60.13" for 12.x). Below it nothing runs.
  std::string minimum;
  int minimum_major = 0;  // first component of `minimum` (525), for node labels
  // The driver NVIDIA ships with that toolkit release ("550.54.14" for 12.4 GA). With an
  // older driver (but >= minimum) PTX JIT and newer features are unavailable.
  // Empty when only the major is known.
  std::string toolkit_minimum;
  int toolkit_minimum_major = 0;
};

// One published build of a framework version.
struct CudaBuild {
  std::string cuda;           // "12.4"; "12.x" = any 12 minor (minor-compatible builds); "cpu"
  std::string index;          // PEP 503 index that serves it
  std::string cudnn;          // cuDNN the build was tested with, "" when the source does not say
  std::string extra;          // pip extra that selects it ("cuda12" for jax[cuda12]), may be empty
  bool experimental = false;  // the source lists it as experimental
};

struct PythonRange {
  std::string min;  // "3.9"
  std::string max;  // "3.13"
};

struct FrameworkVersion {
  std::string version;  // "2.5.1"; "1.19.*" covers every 1.19.z; "*" covers every version
  std::optional<PythonRange> python;              // absent: the sources give no range
  std::map<std::string, std::string> companions;  // {"torchvision": "0.20.1", ...}
  std::vector<CudaBuild> builds;
};

struct FrameworkInfo {
  std::string name;                     // "pytorch"
  std::string package;                  // its distribution on the index, "torch"
  std::vector<std::string> companions;  // distributions released in lock-step
  std::vector<std::string> source_urls;
  std::vector<FrameworkVersion> versions;  // oldest first
};

// An nvidia/cuda image line for one CUDA minor.
struct CudaImage {
  std::string cuda;                            // "12.4"
  std::string release;                         // "12.4.1"
  std::string os;                              // "ubuntu22.04"
  std::map<std::string, std::string> flavors;  // "runtime" -> "12.4.1-runtime-ubuntu22.04"
};

// What a recipe resolves to.
struct Resolution {
  std::string framework;          // "pytorch"; empty when the recipe names none
  std::string framework_version;  // "2.5.1"
  std::string package;            // "torch"
  std::map<std::string, std::string> companions;
  std::string cuda;          // "12.4", "12" (major-only build), or "cpu"
  bool cuda_chosen = false;  // true when the recipe left `cuda` out and it was picked here
  std::string cudnn;
  std::string python;  // "3.11"
  bool python_chosen = false;
  std::string wheel_index;    // empty when the framework comes from the recipe's own indexes
  std::string base_image;     // registry reference, or the recipe's base as written
  bool base_chosen = false;   // true when the base came from the knowledge base
  bool cuda_in_base = false;  // the base is an nvidia/cuda image (CUDA comes from the base)
  std::optional<DriverRequirement> driver;  // absent for CPU-only recipes
  int gpus = 0;
  std::vector<std::string> notes;  // facts the user should know, one sentence each
};

class KnowledgeBase {
 public:
  // The knowledge base compiled into this binary. Parsed on first use.
  static const KnowledgeBase& builtin();
  // Parses a knowledge-base document. Throws Error when it does not follow the schema.
  static KnowledgeBase parse(std::string_view json_text);

  int schema_version() const { return schema_version_; }
  const std::vector<FrameworkInfo>& frameworks() const { return frameworks_; }
  // Looks a framework up by name or package ("pytorch" or "torch"); nullptr when unknown.
  const FrameworkInfo* find_framework(std::string_view name) const;
  // CUDA minors with a driver entry, oldest first ("11.8", "12.0", ...).
  std::vector<std::string> cuda_versions() const;
  const std::vector<CudaImage>& cuda_images() const { return cuda_images_; }
  const std::map<std::string, std::string>& source_urls() const { return source_urls_; }

  // The versions listed for a framework, oldest first. Throws InputError for an unknown name.
  std::vector<std::string> versions(std::string_view framework) const;
  // The CUDA builds of a framework version ("11.8", "12.4", "cpu"). Throws InputError naming
  // the known versions when the framework or version is unknown.
  std::vector<std::string> cuda_builds(std::string_view framework, std::string_view version) const;
  // The index serving the build; throws InputError naming the alternatives when there is none.
  std::string wheel_index(std::string_view framework, std::string_view version,
                          std::string_view cuda) const;
  // Whether `python` ("3.11") is in the framework version's range. True when the sources give
  // no range. Throws InputError for an unknown framework or version.
  bool python_supported(std::string_view framework, std::string_view version,
                        std::string_view python) const;
  // The driver needed for `cuda` ("12.4", or "12" for a major). Throws InputError naming the
  // known versions when `cuda` is unknown or "cpu".
  DriverRequirement driver_requirement(std::string_view cuda) const;
  // The nvidia/cuda image line for a CUDA minor (or the newest of a major for "12");
  // nullopt when none is listed.
  const CudaImage* cuda_image(std::string_view cuda) const;

  // Resolves framework × CUDA × Python. `cuda` and `python` may be empty: CUDA then becomes the
  // newest stable build of the version, Python the default (3.11, or the nearest end of the
  // supported range). Throws InputError naming the alternatives ("pytorch 2.4.1 has no CUDA
  // 12.6 build; choose 11.8, 12.1 or 12.4"). The base image is the slim Python image.
  Resolution resolve(std::string_view framework, std::string_view version, std::string_view cuda,
                     std::string_view python) const;
  // Resolves a whole recipe: the above plus the base image and GPU count. Errors carry the
  // location of the recipe field at fault.
  //   base absent                        -> python:<python>-slim (CUDA comes from wheels)
  //   base "nvidia/cuda"                 -> nvidia/cuda:<release>-runtime-<os> for the CUDA
  //   base "nvidia/cuda:base|runtime|cudnn-runtime" -> that flavour
  //   any other base                     -> kept as written
  Resolution resolve(const recipes::Recipe& recipe) const;

 private:
  struct CudaMinor {
    std::string version;
    std::string ga_driver;      // driver of the GA release
    std::string latest_driver;  // driver of the newest update
  };
  struct CudaMajor {
    int major = 0;
    std::string minor_compat_min_driver;
  };

  const FrameworkVersion* find_version(const FrameworkInfo& fw, std::string_view version) const;
  const FrameworkVersion& require_version(std::string_view framework,
                                          std::string_view version) const;
  Resolution resolve_at(const recipes::Recipe* recipe, std::string_view framework,
                        std::string_view version, std::string_view cuda,
                        std::string_view python) const;

  int schema_version_ = 0;
  std::map<std::string, std::string> source_urls_;
  std::vector<CudaMajor> majors_;
  std::vector<CudaMinor> minors_;
  std::vector<CudaImage> cuda_images_;
  std::string python_base_template_;  // "docker.io/library/python:{python}-slim"
  std::string default_python_;
  std::vector<FrameworkInfo> frameworks_;
};

// Numeric dotted-version comparison: <0, 0, >0. Non-numeric components compare as text.
int compare_versions(std::string_view a, std::string_view b);

}  // namespace stowage::knowledge
