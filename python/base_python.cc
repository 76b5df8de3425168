#include "python/base_python.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "layers/image_filesystem.h"

namespace stowage::python {
namespace fs = std::filesystem;

namespace {

// A base layer is not trusted to be sane: the files read whole (libc, the apk database) are
// skipped above this size, and version numbers that do not fit an int count as unknown (0).
constexpr std::int64_t kMaxProbedFile = 64 << 20;

int number(std::string_view digits) {
  int n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  return ec == std::errc() && end == digits.data() + digits.size() ? n : 0;
}

const std::regex& os_py_pattern() {
  static const std::regex re(R"(^(usr/local|usr)/lib/python(3\.\d+)/os\.py$)");
  return re;
}

bool is_libc_path(const std::string& path) {
  static const std::regex re(
      R"(^(usr/)?lib(64|32)?/([^/]+-linux-gnu[^/]*/)?(libc\.so\.6|libc-2\.\d+\.so)$)");
  return std::regex_match(path, re);
}

// "1.2.4-r2" from an apk database's musl record.
std::pair<int, int> musl_version_in(const std::string& installed_db) {
  static const std::regex re(R"(P:musl\nV:(\d+)\.(\d+))");
  std::smatch m;
  if (std::regex_search(installed_db, m, re))
    return {number(m[1].str()), number(m[2].str())};
  return {1, 1};  // musllinux_1_1 is the oldest any musllinux wheel targets
}

bool is_probed_file(const std::string& path, const layers::TarReaderEntry& entry) {
  return entry.size <= kMaxProbedFile && (is_libc_path(path) || path == "lib/apk/db/installed");
}

// The glibc version a libc path shows: a libc.so.6's bytes, or a libc-2.N.so name (the link's
// target or its own).
std::optional<std::pair<int, int>> libc_version_of(const std::string& path,
                                                   const layers::FsNode& node) {
  if (node.type == layers::FsNode::Type::file && node.content)
    return glibc_version_in(*node.content);
  if (node.type != layers::FsNode::Type::symlink)
    return std::nullopt;
  static const std::regex versioned(R"(libc-2\.(\d+)\.so$)");
  std::smatch m;
  if (std::regex_search(node.target, m, versioned))
    return std::pair{2, number(m[1].str())};
  std::string name = path.substr(path.rfind('/') + 1);
  if (name.starts_with("libc-2."))
    return std::pair{2, number(name.substr(7, name.size() - 7 - 3))};
  return std::nullopt;
}

nlohmann::json to_json(const BasePython& b) {
  nlohmann::json interpreters = nlohmann::json::array();
  for (const auto& i : b.interpreters) {
    interpreters.push_back({{"version", i.version},
                            {"executable", i.executable},
                            {"site_packages", i.site_packages},
                            {"prefix", i.prefix}});
  }
  return {{"interpreters", interpreters},
          {"glibc", {b.glibc_major, b.glibc_minor}},
          {"musl", {b.musl_major, b.musl_minor}}};
}

BasePython from_json(const nlohmann::json& j) {
  BasePython b;
  for (const auto& i : j.at("interpreters")) {
    b.interpreters.push_back(
        {i.at("version"), i.at("executable"), i.at("site_packages"), i.at("prefix")});
  }
  b.glibc_major = j.at("glibc").at(0);
  b.glibc_minor = j.at("glibc").at(1);
  b.musl_major = j.at("musl").at(0);
  b.musl_minor = j.at("musl").at(1);
  return b;
}

int version_minor(const std::string& v) {
  return number(v.substr(v.find('.') + 1));
}

}  // namespace

std::pair<int, int> glibc_version_in(std::string_view bytes) {
  constexpr std::string_view marker = "GLIBC_2.";
  int best = -1;
  for (auto pos = bytes.find(marker); pos != std::string_view::npos;
       pos = bytes.find(marker, pos + 1)) {
    std::size_t i = pos + marker.size();
    int minor = 0;
    bool digits = false;
    while (i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9' && minor < 1000) {
      minor = minor * 10 + (bytes[i] - '0');
      digits = true;
      ++i;
    }
    if (digits)
      best = std::max(best, minor);
  }
  return best < 0 ? std::pair{0, 0} : std::pair{2, best};
}

BasePython probe_base_python(const std::vector<fs::path>& layers, const fs::path& cache_dir,
                             const std::string& cache_key) {
  fs::path cached = cache_dir / (cache_key + ".json");
  if (fs::exists(cached)) {
    try {
      return from_json(nlohmann::json::parse(read_file(cached)));
    } catch (const std::exception&) {
      // A damaged entry is rebuilt below.
    }
  }
  layers::ImageFilesystem image;
  for (const auto& blob : layers)
    image.apply_layer(blob, is_probed_file);

  BasePython b;
  std::map<std::string, std::set<std::string>> prefixes_by_version;
  bool musl = false;
  std::pair<int, int> musl_version{0, 0};
  std::set<const std::string*> scanned;
  for (const auto& [path, node] : image.nodes()) {
    std::smatch m;
    if (std::regex_match(path, m, os_py_pattern())) {
      prefixes_by_version[m[2]].insert(m[1]);
    } else if (is_libc_path(path)) {
      // Hard links share their bytes: each file is scanned once, however many names it has.
      if (node.content && !scanned.insert(node.content.get()).second)
        continue;
      auto v = libc_version_of(path, node);
      if (v && v->first == 2 && v->second > b.glibc_minor) {
        b.glibc_major = 2;
        b.glibc_minor = v->second;
      }
    } else if (path.starts_with("lib/") &&
               path.substr(path.rfind('/') + 1).starts_with("ld-musl-")) {
      musl = true;
    } else if (path == "lib/apk/db/installed" && node.content) {
      musl_version = musl_version_in(*node.content);
    }
  }
  const bool debian_dist_packages = image.is_directory("usr/lib/python3/dist-packages");
  for (const auto& [version, prefixes] : prefixes_by_version) {
    BaseInterpreter i;
    i.version = version;
    if (prefixes.contains("usr/local")) {
      // A python.org build (the python:3.X images).
      i.executable = "/usr/local/bin/python" + version;
      i.site_packages = "usr/local/lib/python" + version + "/site-packages";
      i.prefix = "usr/local";
    } else if (debian_dist_packages) {
      // Debian's python3: /usr/lib/python3/dist-packages belongs to dpkg; pip's place, and
      // ours, is /usr/local/lib/python3.X/dist-packages, which its sys.path already lists.
      i.executable = "/usr/bin/python" + version;
      i.site_packages = "usr/local/lib/python" + version + "/dist-packages";
      i.prefix = "usr/local";
    } else {
      i.executable = "/usr/bin/python" + version;
      i.site_packages = "usr/lib/python" + version + "/site-packages";
      i.prefix = "usr";
    }
    b.interpreters.push_back(i);
  }
  std::sort(b.interpreters.begin(), b.interpreters.end(), [](const auto& x, const auto& y) {
    return version_minor(x.version) < version_minor(y.version);
  });
  if (musl) {
    b.musl_major = musl_version.first == 0 ? 1 : musl_version.first;
    b.musl_minor = musl_version.first == 0 ? 1 : musl_version.second;
  }
  fs::create_directories(cache_dir);
  write_file_atomically(cached, to_json(b).dump());
  return b;
}

}  // namespace stowage::python
