#include "knowledge/knowledge.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "knowledge/knowledge_data.h"

namespace stowage::knowledge {
namespace {

using nlohmann::json;

std::vector<std::string_view> split_dots(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    parts.push_back(v.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos)
      break;
    start = dot + 1;
  }
  return parts;
}

std::optional<long> as_number(std::string_view s) {
  long n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return n;
}

int leading_number(std::string_view v) {
  auto n = as_number(split_dots(v).front());
  return n ? static_cast<int>(*n) : 0;
}

// "11.8, 12.1 or 12.4"
std::string join_choices(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

// Reads a required member; a missing or mistyped one is a defect of the data file.
template <typename T>
T need(const json& object, const char* key, std::string_view where) {
  if (!object.is_object() || !object.contains(key)) {
    throw Error("knowledge base: " + std::string(where) + " has no \"" + key + "\"",
                "run scripts/check-knowledge on knowledge/data/frameworks.json");
  }
  try {
    return object.at(key).get<T>();
  } catch (const json::exception& e) {
    throw Error("knowledge base: " + std::string(where) + "." + key + ": " + e.what(),
                "run scripts/check-knowledge on knowledge/data/frameworks.json");
  }
}

template <typename T>
T optional_member(const json& object, const char* key, T fallback) {
  if (!object.contains(key))
    return fallback;
  return object.at(key).get<T>();
}

// "12.4" matches a build "12.4" or "12.x"; "12" (major only) matches "12.x".
bool build_matches(const CudaBuild& build, std::string_view cuda) {
  if (build.cuda == cuda)
    return true;
  if (build.cuda.size() > 2 && build.cuda.ends_with(".x") && cuda != "cpu") {
    return leading_number(build.cuda) == leading_number(cuda);
  }
  return false;
}

bool version_matches(std::string_view pattern, std::string_view version) {
  if (pattern == "*")
    return true;
  if (pattern.ends_with(".*")) {
    std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // "1.19."
    return version.starts_with(prefix) || version == pattern.substr(0, pattern.size() - 2);
  }
  return compare_versions(pattern, version) == 0;
}

std::string_view strip_docker_io(std::string_view ref) {
  for (std::string_view prefix : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"}) {
    if (ref.starts_with(prefix))
      return ref.substr(prefix.size());
  }
  return ref;
}

std::optional<SourceLocation> location_of(const recipes::Recipe* recipe, std::string_view field) {
  if (recipe == nullptr)
    return std::nullopt;
  std::string path(field);
  while (true) {
    auto it = recipe->locations.find(path);
    if (it != recipe->locations.end())
      return it->second;
    size_t dot = path.rfind('.');
    if (dot == std::string::npos)
      break;
    path.resize(dot);
  }
  return SourceLocation{recipe->file.string(), 0, 0};
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  auto pa = split_dots(a);
  auto pb = split_dots(b);
  for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
    std::string_view x = i < pa.size() ? pa[i] : "0";
    std::string_view y = i < pb.size() ? pb[i] : "0";
    auto nx = as_number(x);
    auto ny = as_number(y);
    if (nx && ny) {
      if (*nx != *ny)
        return *nx < *ny ? -1 : 1;
    } else if (int c = x.compare(y); c != 0) {
      return c < 0 ? -1 : 1;
    }
  }
  return 0;
}

const KnowledgeBase& KnowledgeBase::builtin() {
  static const KnowledgeBase kb = parse(embedded_frameworks_json());
  return kb;
}

KnowledgeBase KnowledgeBase::parse(std::string_view json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(std::string("knowledge base: not JSON: ") + e.what());
  }
  KnowledgeBase kb;
  kb.schema_version_ = need<int>(doc, "schema_version", "document");
  if (kb.schema_version_ != 1) {
    throw Error("knowledge base: schema_version " + std::to_string(kb.schema_version_) +
                " is not supported (this stowage reads version 1)");
  }
  const json sources = need<json>(doc, "sources", "document");
  for (auto it = sources.begin(); it != sources.end(); ++it) {
    kb.source_urls_[it.key()] = need<std::string>(it.value(), "url", "sources." + it.key());
  }
  for (const auto& m : need<json>(doc, "cuda_majors", "document")) {
    kb.majors_.push_back({need<int>(m, "major", "cuda_majors[]"),
                          need<std::string>(m, "minor_compat_min_driver", "cuda_majors[]")});
  }
  for (const auto& c : need<json>(doc, "cuda", "document")) {
    CudaMinor minor;
    minor.version = need<std::string>(c, "version", "cuda[]");
    const auto releases = need<json>(c, "releases", "cuda." + minor.version);
    if (releases.empty())
      throw Error("knowledge base: cuda." + minor.version + " has no releases");
    minor.ga_driver = need<std::string>(releases.front(), "linux_driver", "cuda." + minor.version);
    minor.latest_driver =
        need<std::string>(releases.back(), "linux_driver", "cuda." + minor.version);
    kb.minors_.push_back(minor);
  }
  const auto images = need<json>(doc, "cuda_images", "document");
  for (const auto& i : need<json>(images, "images", "cuda_images")) {
    CudaImage image;
    image.cuda = need<std::string>(i, "cuda", "cuda_images.images[]");
    image.release = need<std::string>(i, "release", "cuda_images.images[]");
    image.os = need<std::string>(i, "os", "cuda_images.images[]");
    image.flavors = need<std::map<std::string, std::string>>(i, "flavors", "cuda_images.images[]");
    kb.cuda_images_.push_back(image);
  }
  const auto python_base = need<json>(doc, "python_base", "document");
  kb.python_base_template_ = need<std::string>(python_base, "image", "python_base");
  kb.default_python_ = need<std::string>(python_base, "default_python", "python_base");

  for (const auto& f : need<json>(doc, "frameworks", "document")) {
    FrameworkInfo fw;
    fw.name = need<std::string>(f, "name", "frameworks[]");
    fw.package = need<std::string>(f, "package", "frameworks." + fw.name);
    fw.companions = optional_member<std::vector<std::string>>(f, "companions", {});
    for (const auto& id : need<std::vector<std::string>>(f, "sources", "frameworks." + fw.name)) {
      auto it = kb.source_urls_.find(id);
      if (it == kb.source_urls_.end()) {
        throw Error("knowledge base: frameworks." + fw.name + " cites unknown source " + id);
      }
      fw.source_urls.push_back(it->second);
    }
    for (const auto& v : need<json>(f, "versions", "frameworks." + fw.name)) {
      FrameworkVersion version;
      version.version = need<std::string>(v, "version", "frameworks." + fw.name + ".versions[]");
      const std::string where = "frameworks." + fw.name + "." + version.version;
      if (v.contains("python")) {
        version.python = PythonRange{need<std::string>(v["python"], "min", where + ".python"),
                                     need<std::string>(v["python"], "max", where + ".python")};
      }
      version.companions = optional_member<std::map<std::string, std::string>>(v, "companions", {});
      for (const auto& b : need<json>(v, "builds", where)) {
        CudaBuild build;
        build.cuda = need<std::string>(b, "cuda", where + ".builds[]");
        build.index = need<std::string>(b, "index", where + ".builds[]");
        build.cudnn = optional_member<std::string>(b, "cudnn", "");
        build.extra = optional_member<std::string>(b, "extra", "");
        build.experimental = optional_member<bool>(b, "experimental", false);
        version.builds.push_back(build);
      }
      fw.versions.push_back(version);
    }
    kb.frameworks_.push_back(fw);
  }
  return kb;
}

const FrameworkInfo* KnowledgeBase::find_framework(std::string_view name) const {
  for (const auto& fw : frameworks_) {
    if (fw.name == name || fw.package == name)
      return &fw;
  }
  return nullptr;
}

std::vector<std::string> KnowledgeBase::cuda_versions() const {
  std::vector<std::string> out;
  for (const auto& m : minors_)
    out.push_back(m.version);
  return out;
}

std::vector<std::string> KnowledgeBase::versions(std::string_view framework) const {
  const FrameworkInfo* fw = find_framework(framework);
  if (fw == nullptr) {
    std::vector<std::string> names;
    for (const auto& f : frameworks_)
      names.push_back(f.name);
    throw InputError("unknown framework \"" + std::string(framework) + "\"",
                     "choose " + join_choices(names));
  }
  std::vector<std::string> out;
  for (const auto& v : fw->versions)
    out.push_back(v.version);
  return out;
}

const FrameworkVersion* KnowledgeBase::find_version(const FrameworkInfo& fw,
                                                    std::string_view version) const {
  // Exact entries win over patterns ("2.5.1" over "*").
  for (const auto& v : fw.versions) {
    if (v.version == version)
      return &v;
  }
  for (const auto& v : fw.versions) {
    if (version_matches(v.version, version))
      return &v;
  }
  return nullptr;
}

const FrameworkVersion& KnowledgeBase::require_version(std::string_view framework,
                                                       std::string_view version) const {
  std::vector<std::string> known = versions(framework);
  const FrameworkInfo* fw = find_framework(framework);
  const FrameworkVersion* v = find_version(*fw, version);
  if (v == nullptr) {
    throw InputError(
        fw->name + " " + std::string(version) + " is not in the knowledge base",
        "known versions: " + join_choices(known) + " (docs/frameworks.md says how to add one)");
  }
  return *v;
}

std::vector<std::string> KnowledgeBase::cuda_builds(std::string_view framework,
                                                    std::string_view version) const {
  std::vector<std::string> out;
  for (const auto& b : require_version(framework, version).builds)
    out.push_back(b.cuda);
  return out;
}

std::string KnowledgeBase::wheel_index(std::string_view framework, std::string_view version,
                                       std::string_view cuda) const {
  const FrameworkVersion& v = require_version(framework, version);
  for (const auto& b : v.builds) {
    if (build_matches(b, cuda))
      return b.index;
  }
  throw InputError(find_framework(framework)->name + " " + std::string(version) + " has no " +
                       (cuda == "cpu" ? std::string("CPU") : "CUDA " + std::string(cuda)) +
                       " build",
                   "choose " + join_choices(cuda_builds(framework, version)));
}

bool KnowledgeBase::python_supported(std::string_view framework, std::string_view version,
                                     std::string_view python) const {
  const FrameworkVersion& v = require_version(framework, version);
  if (!v.python)
    return true;
  return compare_versions(python, v.python->min) >= 0 &&
         compare_versions(python, v.python->max) <= 0;
}

DriverRequirement KnowledgeBase::driver_requirement(std::string_view cuda) const {
  const int major = leading_number(cuda);
  const bool major_only = cuda.find('.') == std::string_view::npos;
  auto major_it = std::find_if(majors_.begin(), majors_.end(),
                               [&](const CudaMajor& m) { return m.major == major; });
  auto minor_it = std::find_if(minors_.begin(), minors_.end(),
                               [&](const CudaMinor& m) { return m.version == cuda; });
  if (cuda == "cpu" || major_it == majors_.end() || (!major_only && minor_it == minors_.end())) {
    throw InputError("unknown CUDA version \"" + std::string(cuda) + "\"",
                     "known CUDA versions: " + join_choices(cuda_versions()));
  }
  DriverRequirement req;
  req.cuda = std::string(cuda);
  req.minimum = major_it->minor_compat_min_driver;
  req.minimum_major = leading_number(req.minimum);
  if (!major_only) {
    req.toolkit_minimum = minor_it->ga_driver;
    req.toolkit_minimum_major = leading_number(req.toolkit_minimum);
  }
  return req;
}

const CudaImage* KnowledgeBase::cuda_image(std::string_view cuda) const {
  const CudaImage* best = nullptr;
  const bool major_only = cuda.find('.') == std::string_view::npos;
  for (const auto& image : cuda_images_) {
    if (image.cuda == cuda)
      return &image;
    if (major_only && leading_number(image.cuda) == leading_number(cuda) &&
        (best == nullptr || compare_versions(image.cuda, best->cuda) > 0)) {
      best = &image;
    }
  }
  return major_only ? best : nullptr;
}

Resolution KnowledgeBase::resolve(std::string_view framework, std::string_view version,
                                  std::string_view cuda, std::string_view python) const {
  return resolve_at(nullptr, framework, version, cuda, python);
}

Resolution KnowledgeBase::resolve_at(const recipes::Recipe* recipe, std::string_view framework,
                                     std::string_view version, std::string_view cuda,
                                     std::string_view python) const {
  auto fail = [&](std::string_view field, const InputError& e) -> InputError {
    return InputError(e.reason(), e.hint(), location_of(recipe, field));
  };
  Resolution r;
  r.cuda = std::string(cuda);
  r.python = std::string(python);
  std::optional<PythonRange> range;

  if (!framework.empty()) {
    const FrameworkVersion* v = nullptr;
    try {
      versions(framework);
    } catch (const InputError& e) {
      throw fail("framework.name", e);
    }
    try {
      v = &require_version(framework, version);
    } catch (const InputError& e) {
      throw fail("framework.version", e);
    }
    const FrameworkInfo& fw = *find_framework(framework);
    r.framework = fw.name;
    r.framework_version = std::string(version);
    r.package = fw.package;
    r.companions = v->companions;
    range = v->python;

    const CudaBuild* chosen = nullptr;
    if (cuda.empty()) {
      // The newest stable CUDA build; experimental builds are never picked implicitly.
      for (const auto& b : v->builds) {
        if (b.cuda == "cpu" || b.experimental)
          continue;
        if (chosen == nullptr || compare_versions(b.cuda, chosen->cuda) > 0)
          chosen = &b;
      }
      if (chosen == nullptr) {
        for (const auto& b : v->builds) {
          if (b.cuda == "cpu")
            chosen = &b;
        }
      }
      if (chosen == nullptr) {
        throw fail("framework.version",
                   InputError(fw.name + " " + std::string(version) + " lists no build"));
      }
      r.cuda = chosen->cuda.ends_with(".x") ? chosen->cuda.substr(0, chosen->cuda.size() - 2)
                                            : chosen->cuda;
      r.cuda_chosen = true;
    } else {
      for (const auto& b : v->builds) {
        if (build_matches(b, cuda))
          chosen = &b;
      }
      if (chosen == nullptr) {
        throw fail("cuda", InputError(fw.name + " " + std::string(version) + " has no " +
                                          (cuda == "cpu" ? std::string("CPU")
                                                         : "CUDA " + std::string(cuda)) +
                                          " build",
                                      "choose " + join_choices(cuda_builds(framework, version))));
      }
      if (chosen->experimental) {
        r.notes.push_back(fw.name + " " + std::string(version) + " lists its CUDA " + chosen->cuda +
                          " build as experimental.");
      }
    }
    r.wheel_index = chosen->index;
    r.cudnn = chosen->cudnn;
  }

  if (r.cuda.empty())
    r.cuda = "cpu";
  if (r.cuda != "cpu") {
    try {
      r.driver = driver_requirement(r.cuda);
    } catch (const InputError& e) {
      throw fail("cuda", e);
    }
  }

  if (r.python.empty()) {
    r.python = default_python_;
    if (range && compare_versions(r.python, range->min) < 0)
      r.python = range->min;
    if (range && compare_versions(r.python, range->max) > 0)
      r.python = range->max;
    r.python_chosen = true;
  } else if (range && !python_supported(framework, version, r.python)) {
    throw InputError(
        r.framework + " " + r.framework_version + " does not support Python " + r.python,
        "choose a Python from " + range->min + " to " + range->max, location_of(recipe, "python"));
  }

  r.base_image = python_base_template_;
  r.base_image.replace(r.base_image.find("{python}"), 8, r.python);
  r.base_chosen = true;
  return r;
}

Resolution KnowledgeBase::resolve(const recipes::Recipe& recipe) const {
  std::string framework, version;
  if (recipe.framework) {
    framework = recipe.framework->name;
    version = recipe.framework->version;
  }
  Resolution r = resolve_at(&recipe, framework, version, recipe.cuda, recipe.python);
  r.gpus = recipe.deploy.gpu;

  const std::string_view base = strip_docker_io(recipe.base);
  std::string flavor;
  if (base == "nvidia/cuda") {
    flavor = "runtime";
  } else if (base == "nvidia/cuda:base" || base == "nvidia/cuda:runtime" ||
             base == "nvidia/cuda:cudnn-runtime") {
    flavor = std::string(base.substr(base.find(':') + 1));
  }
  if (!flavor.empty()) {
    if (r.cuda == "cpu") {
      throw InputError("base nvidia/cuda needs a CUDA version", "set cuda: to e.g. \"12.4\"",
                       location_of(&recipe, "base"));
    }
    const CudaImage* image = cuda_image(r.cuda);
    if (image == nullptr) {
      std::vector<std::string> known;
      for (const auto& i : cuda_images_)
        known.push_back(i.cuda);
      throw InputError("no nvidia/cuda image is known for CUDA " + r.cuda,
                       "choose cuda " + join_choices(known) + ", or write the full image tag",
                       location_of(&recipe, "base"));
    }
    r.base_image = "docker.io/nvidia/cuda:" + image->flavors.at(flavor);
    r.cuda_in_base = true;
    r.notes.push_back(
        "nvidia/cuda images carry no Python interpreter; the image needs one from another "
        "layer.");
    if (r.driver && !r.driver->toolkit_minimum.empty()) {
      // The image ships a specific update; its driver is the one NVIDIA lists for it.
      for (const auto& m : minors_) {
        if (m.version == image->cuda)
          r.driver->toolkit_minimum = m.latest_driver;
      }
      r.driver->toolkit_minimum_major = leading_number(r.driver->toolkit_minimum);
    }
  } else if (!recipe.base.empty()) {
    r.base_image = recipe.base;
    r.base_chosen = false;
    r.cuda_in_base = base.starts_with("nvidia/cuda:") || base.starts_with("nvcr.io/nvidia/cuda:");
  }
  if (r.gpus > 0 && r.cuda == "cpu") {
    r.notes.push_back("deploy.gpu is set but the recipe has no CUDA; the GPUs would sit idle.");
  }
  return r;
}

}  // namespace stowage::knowledge
