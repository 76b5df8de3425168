// The ML recipe (stowage.yaml) as a value, and its parser.
//
// load_recipe() reads and validates the whole file. Every problem is an InputError that
// names the file, line and column and says how to fix it; an unknown key suggests the
// closest known one. Fields whose feature is not built yet are refused, never ignored.
// Paths in `src` are resolved against the recipe's directory and may not escape it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "recipes/layer_class.h"

namespace stowage::recipes {

// One `model:` or `code:` entry: host content copied into the image.
struct ContentEntry {
  std::string src;                           // as written, relative to the recipe's directory
  std::filesystem::path source;              // resolved absolute host path (file or directory)
  std::string dst;                           // absolute path in the image ("/models")
  std::optional<LayerClass> class_override;  // `class:` in the entry
};

struct Framework {
  std::string name;     // "pytorch", "tensorflow", "jax", "onnxruntime"
  std::string version;  // "2.5.1"
};

struct Serve {
  std::vector<std::string> command;    // exec form; becomes the image's Entrypoint
  int port = 0;                        // 0 = none
  std::string health;                  // liveness HTTP path, e.g. "/healthz"
  std::string ready;                   // readiness HTTP path; the parser fills in `health` if unset
  std::optional<int> startup_seconds;  // override of the derived start-up allowance
};

struct Autoscale {
  int min = 1;
  int max = 1;
  int cpu = 0;  // target CPU utilisation percent; 0 = none
};

struct Deploy {
  std::string namespace_;  // "" = the kubectl context's namespace
  int replicas = 1;
  int gpu = 0;
  std::string gpu_resource = "nvidia.com/gpu";
  std::string cpu;     // Kubernetes quantity, "" = unset
  std::string memory;  // Kubernetes quantity, "" = unset
  std::string shm;     // size of /dev/shm, "" = runtime default
  std::optional<Autoscale> autoscale;
  std::vector<std::string> image_pull_secrets;
  std::map<std::string, std::string> node_selector;
  std::string service_type = "ClusterIP";
  bool kserve = false;
};

// What the recipe's `base` names, taken apart: nothing is pulled or read here
// (builder::BaseImage is the base once resolved, with its layers and config).
struct BaseSpec {
  enum class Kind {
    unspecified,  // no `base`: the knowledge base picks one
    scratch,      // "scratch": no base layers
    oci_layout,   // "oci:DIR[:TAG]": an image in a local OCI image layout
    rootfs,       // "rootfs:FILE.tar": a root filesystem tarball imported as one layer
    registry,     // anything else: an image reference ("python:3.11-slim")
  };
  Kind kind = Kind::unspecified;
  std::filesystem::path path;  // oci_layout: the layout directory; rootfs: the tarball. Absolute.
  std::string tag;             // oci_layout: the ref name after DIR:, "" = the layout's only image
  std::string reference;       // registry: the reference as written (syntax checked only)
};

// containerd refuses an image with more layers than this (docs/layering.md).
inline constexpr int kMaxLayers = 127;
// The default most layers, base layers included: every layer costs the node an overlay
// mount, and a budget well under kMaxLayers leaves room for a base image with many layers.
inline constexpr int kDefaultLayerBudget = 32;
// The default size from which an item gets a layer of its own: big enough that code and
// small packages are bundled, small enough that a changed model file or a big wheel
// (torch) re-creates and re-uploads only its own layer.
inline constexpr std::int64_t kDefaultOwnLayerThreshold = std::int64_t{64} << 20;

// Layer planning knobs.
struct Layering {
  int budget = kDefaultLayerBudget;                              // max layers, base layers included
  std::int64_t own_layer_threshold = kDefaultOwnLayerThreshold;  // items this big get a layer
};

struct Recipe {
  std::filesystem::path file;  // the recipe file as given
  std::filesystem::path dir;   // its directory, absolute; sources are relative to it

  std::string name;  // DNS-1123 label; the image title and Kubernetes app name
  // "scratch", "oci:DIR[:TAG]", "rootfs:FILE.tar", or a registry reference.
  // Empty when absent (the knowledge base picks one).
  std::string base;
  BaseSpec base_spec;  // `base`, taken apart and resolved against `dir`
  std::string python;  // "3.11"; empty = unspecified
  std::string cuda;    // "12.4", "cpu", or empty = unspecified
  std::optional<Framework> framework;
  std::string python_requirements;           // path of the lock, relative to dir
  std::vector<std::string> python_index;     // simple-index URLs, searched in order
  std::vector<std::string> system_packages;  // OS package names ("libgomp1", "curl=7.88.1-10")
  std::vector<ContentEntry> model;
  std::vector<ContentEntry> code;
  std::map<std::string, std::string> env;
  std::string user;     // "1000" or "1000:1000"; empty = the base image's user
  std::string workdir;  // absolute; empty = the base image's
  std::map<std::string, std::string> labels;
  Serve serve;
  Deploy deploy;
  bool has_deploy = false;  // whether the recipe had a `deploy:` section
  Layering layering;

  // Where each field was written, keyed by its dotted path ("deploy.resources.memory",
  // "model[1].src"), for errors raised after parsing (e.g. by kube/ or the builder).
  std::map<std::string, SourceLocation> locations;
  // The location of `path`, or of the nearest enclosing field that has one, or the file.
  SourceLocation where(std::string_view path) const;
};

// Reads and validates a recipe file; a directory stands for its stowage.yaml. Throws
// InputError (exit 2) for a missing or unreadable file and for every problem in it.
Recipe load_recipe(const std::filesystem::path& file);
// Parses recipe text; `file` is used for messages and to resolve relative paths (it need not
// exist, but `src` and `base` paths are checked on disk). Throws InputError.
Recipe parse_recipe(std::string_view yaml_text, const std::filesystem::path& file);

// Every key a recipe may hold, as paths: "deploy.resources.cpu", "model[].src". Sections
// appear themselves too ("deploy", "deploy.resources"); free-form maps (env, labels,
// deploy.node_selector) appear as one path. For documentation and schema checks.
std::vector<std::string> recipe_keys();

}  // namespace stowage::recipes
