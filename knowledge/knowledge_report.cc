#include "knowledge/knowledge_report.h"

namespace stowage::knowledge {
namespace {

using nlohmann::json;

const FrameworkInfo& require_framework(const KnowledgeBase& kb, std::string_view name) {
  kb.versions(name);  // throws InputError naming the known frameworks
  return *kb.find_framework(name);
}

std::string builds_text(const FrameworkVersion& v) {
  std::string out;
  for (const auto& b : v.builds) {
    if (!out.empty())
      out += ", ";
    out += b.cuda == "cpu" ? "cpu" : "cuda " + b.cuda;
    if (!b.cudnn.empty())
      out += " (cuDNN " + b.cudnn + ")";
    if (b.experimental)
      out += " [experimental]";
  }
  return out;
}

json framework_json(const FrameworkInfo& fw) {
  json versions = json::array();
  for (const auto& v : fw.versions) {
    json builds = json::array();
    for (const auto& b : v.builds) {
      json jb = {{"cuda", b.cuda}, {"index", b.index}, {"experimental", b.experimental}};
      if (!b.cudnn.empty())
        jb["cudnn"] = b.cudnn;
      if (!b.extra.empty())
        jb["extra"] = b.extra;
      builds.push_back(jb);
    }
    json jv = {{"version", v.version}, {"builds", builds}, {"companions", v.companions}};
    if (v.python)
      jv["python"] = {{"min", v.python->min}, {"max", v.python->max}};
    versions.push_back(jv);
  }
  return {{"name", fw.name},
          {"package", fw.package},
          {"companions", fw.companions},
          {"sources", fw.source_urls},
          {"versions", versions}};
}

}  // namespace

std::string frameworks_text(const KnowledgeBase& kb, std::string_view name) {
  const FrameworkInfo* only = name.empty() ? nullptr : &require_framework(kb, name);
  std::string out;
  for (const auto& fw : kb.frameworks()) {
    if (only != nullptr && &fw != only)
      continue;
    out += fw.name + " (" + fw.package + ")\n";
    for (const auto& v : fw.versions) {
      out += "  " + v.version + ": " + builds_text(v);
      if (v.python)
        out += "; python " + v.python->min + "-" + v.python->max;
      for (const auto& [pkg, version] : v.companions)
        out += "; " + pkg + " " + version;
      out += "\n";
    }
    for (const auto& url : fw.source_urls)
      out += "  source: " + url + "\n";
  }
  if (name.empty()) {
    out += "cuda (minimum Linux driver: toolkit release / minor-version compatibility)\n";
    for (const auto& cuda : kb.cuda_versions()) {
      DriverRequirement d = kb.driver_requirement(cuda);
      out += "  " + cuda + ": >= " + d.toolkit_minimum + " / >= " + d.minimum;
      if (const CudaImage* image = kb.cuda_image(cuda)) {
        out += "; image nvidia/cuda:" + image->flavors.at("runtime");
      }
      out += "\n";
    }
  }
  return out;
}

json frameworks_json(const KnowledgeBase& kb, std::string_view name) {
  const FrameworkInfo* only = name.empty() ? nullptr : &require_framework(kb, name);
  json frameworks = json::array();
  for (const auto& fw : kb.frameworks()) {
    if (only != nullptr && &fw != only)
      continue;
    frameworks.push_back(framework_json(fw));
  }
  json out = {{"schema_version", kb.schema_version()}, {"frameworks", frameworks}};
  if (name.empty()) {
    json cuda = json::array();
    for (const auto& version : kb.cuda_versions()) {
      DriverRequirement d = kb.driver_requirement(version);
      json jc = {{"version", version},
                 {"toolkit_min_driver", d.toolkit_minimum},
                 {"minor_compat_min_driver", d.minimum}};
      if (const CudaImage* image = kb.cuda_image(version)) {
        jc["images"] = image->flavors;
      }
      cuda.push_back(jc);
    }
    out["cuda"] = cuda;
  }
  return out;
}

std::string doctor_text(const Resolution& r) {
  auto chosen = [](bool yes) { return yes ? std::string(" (chosen)") : std::string(); };
  std::string out;
  if (r.framework.empty()) {
    out += "framework:   none\n";
  } else {
    out += "framework:   " + r.framework + " " + r.framework_version + " (" + r.package + ")\n";
    for (const auto& [pkg, version] : r.companions) {
      out += "             " + pkg + " " + version + "\n";
    }
  }
  out += "cuda:        " + r.cuda + chosen(r.cuda_chosen);
  if (!r.cudnn.empty())
    out += ", cuDNN " + r.cudnn;
  out += "\n";
  out += "python:      " + r.python + chosen(r.python_chosen) + "\n";
  if (!r.wheel_index.empty())
    out += "wheel index: " + r.wheel_index + "\n";
  out += "base image:  " + r.base_image + chosen(r.base_chosen) + "\n";
  out += "cuda from:   " +
         std::string(r.cuda == "cpu"  ? "nowhere (CPU only)"
                     : r.cuda_in_base ? "the base image"
                                      : "Python wheels") +
         "\n";
  out += "node:        ";
  if (r.driver) {
    out += "NVIDIA driver >= " + r.driver->minimum + " (minor-version compatibility)";
    if (!r.driver->toolkit_minimum.empty()) {
      out += ", >= " + r.driver->toolkit_minimum + " for full CUDA " + r.driver->cuda;
    }
    out += "; ";
  }
  out += std::to_string(r.gpus) + " GPU" + (r.gpus == 1 ? "" : "s") + "\n";
  for (const auto& note : r.notes)
    out += "note:        " + note + "\n";
  return out;
}

json doctor_json(const Resolution& r) {
  json out = {{"framework", r.framework.empty() ? json(nullptr) : json(r.framework)},
              {"framework_version", r.framework_version},
              {"package", r.package},
              {"companions", r.companions},
              {"cuda", r.cuda},
              {"cuda_chosen", r.cuda_chosen},
              {"cudnn", r.cudnn},
              {"python", r.python},
              {"python_chosen", r.python_chosen},
              {"wheel_index", r.wheel_index},
              {"base_image", r.base_image},
              {"base_chosen", r.base_chosen},
              {"cuda_in_base", r.cuda_in_base},
              {"gpus", r.gpus},
              {"notes", r.notes}};
  if (r.driver) {
    out["driver"] = {{"cuda", r.driver->cuda},
                     {"minimum", r.driver->minimum},
                     {"minimum_major", r.driver->minimum_major},
                     {"toolkit_minimum", r.driver->toolkit_minimum},
                     {"toolkit_minimum_major", r.driver->toolkit_minimum_major}};
  } else {
    out["driver"] = nullptr;
  }
  return out;
}

}  // namespace stowage::knowledge
