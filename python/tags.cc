#include "python/tags.h"

#include <sstream>

#include "core/strings.h"

namespace stowage::python {
namespace {

// The platform tags of the target, best first.
std::vector<std::string> platforms(const TagTarget& t) {
  std::vector<std::string> out;
  if (t.glibc_major == 2) {
    for (int minor = t.glibc_minor; minor >= 5; --minor) {
      std::string arch = t.arch;
      out.push_back("manylinux_2_" + std::to_string(minor) + "_" + arch);
      // The legacy aliases sit where their glibc version is (PEP 600).
      if (minor == 17)
        out.push_back("manylinux2014_" + arch);
      if (minor == 12 && (arch == "x86_64" || arch == "i686"))
        out.push_back("manylinux2010_" + arch);
      if (minor == 5 && (arch == "x86_64" || arch == "i686"))
        out.push_back("manylinux1_" + arch);
    }
  }
  if (t.musl_major == 1) {
    for (int minor = t.musl_minor; minor >= 0; --minor) {
      out.push_back("musllinux_1_" + std::to_string(minor) + "_" + t.arch);
    }
  }
  out.push_back("linux_" + t.arch);
  return out;
}

}  // namespace

std::optional<WheelName> parse_wheel_name(std::string_view filename) {
  if (!filename.ends_with(".whl"))
    return std::nullopt;
  filename.remove_suffix(4);
  auto parts = split(filename, '-');
  if (parts.size() != 5 && parts.size() != 6)
    return std::nullopt;
  for (const auto& p : parts) {
    if (p.empty())
      return std::nullopt;
  }
  WheelName w;
  w.distribution = parts[0];
  w.version = parts[1];
  std::size_t tags = 2;
  if (parts.size() == 6) {
    w.build = parts[2];
    tags = 3;
  }
  w.python = split(parts[tags], '.');
  w.abi = split(parts[tags + 1], '.');
  w.platform = split(parts[tags + 2], '.');
  return w;
}

std::vector<std::string> supported_tags(const TagTarget& t) {
  std::vector<std::string> tags;
  std::string major = std::to_string(t.python_major);
  std::string cp = "cp" + major + std::to_string(t.python_minor);
  auto plats = platforms(t);
  // CPython's own ABI, then abi3 of this and every older 3.x, then no ABI.
  for (const auto& p : plats)
    tags.push_back(cp + "-" + cp + "-" + p);
  for (const auto& p : plats)
    tags.push_back(cp + "-abi3-" + p);
  for (const auto& p : plats)
    tags.push_back(cp + "-none-" + p);
  for (int minor = t.python_minor - 1; minor >= 2; --minor) {
    for (const auto& p : plats)
      tags.push_back("cp" + major + std::to_string(minor) + "-abi3-" + p);
  }
  // Pure-Python wheels that still name a platform.
  std::vector<std::string> py_versions{"py" + major + std::to_string(t.python_minor), "py" + major};
  for (int minor = t.python_minor - 1; minor >= 0; --minor) {
    py_versions.push_back("py" + major + std::to_string(minor));
  }
  for (const auto& py : py_versions) {
    for (const auto& p : plats)
      tags.push_back(py + "-none-" + p);
  }
  tags.push_back(cp + "-none-any");
  for (const auto& py : py_versions)
    tags.push_back(py + "-none-any");
  return tags;
}

TagRanker::TagRanker(const TagTarget& target) : target_(target) {
  auto tags = supported_tags(target);
  for (std::size_t i = 0; i < tags.size(); ++i)
    ranks_.emplace(tags[i], i);
}

std::optional<std::size_t> TagRanker::rank(const WheelName& wheel) const {
  std::optional<std::size_t> best;
  for (const auto& py : wheel.python) {
    for (const auto& abi : wheel.abi) {
      for (const auto& plat : wheel.platform) {
        auto it = ranks_.find(py + "-" + abi + "-" + plat);
        if (it != ranks_.end() && (!best || it->second < *best))
          best = it->second;
      }
    }
  }
  return best;
}

std::string TagRanker::describe() const {
  std::ostringstream out;
  out << "CPython " << target_.python_major << "." << target_.python_minor << ", "
      << platforms(target_).front();
  if (target_.glibc_major == 0 && target_.musl_major == 0)
    out << " (no libc found in the base)";
  return out.str();
}

std::string machine_of_architecture(std::string_view oci_architecture) {
  if (oci_architecture == "amd64")
    return "x86_64";
  if (oci_architecture == "arm64")
    return "aarch64";
  if (oci_architecture == "386")
    return "i686";
  if (oci_architecture == "ppc64le")
    return "ppc64le";
  if (oci_architecture == "s390x")
    return "s390x";
  if (oci_architecture == "arm")
    return "armv7l";
  return std::string(oci_architecture);
}

}  // namespace stowage::python
