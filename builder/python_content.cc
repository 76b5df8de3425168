#include "builder/python_content.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "core/file.h"
#include "core/thread_pool.h"
#include "knowledge/python_packages.h"
#include "net/url.h"
#include "python/base_python.h"
#include "python/index_fetch.h"
#include "python/lock.h"
#include "python/simple_index.h"
#include "python/tags.h"
#include "python/wheel_cache.h"
#include "python/wheel_install.h"

namespace stowage::builder {
using namespace python;  // NOLINT: this file is the bridge from python/ to the planner
namespace fs = std::filesystem;
using knowledge::normalize_distribution_name;

namespace {

const BaseInterpreter& choose_interpreter(const recipes::Recipe& recipe, const BasePython& py) {
  auto where = recipe.where("python_requirements");
  if (py.interpreters.empty()) {
    throw InputError("python_requirements needs a CPython in the base image " + recipe.base +
                         ", and none was found",
                     "use a base with python3 (e.g. one made by scripts/make-base.sh with "
                     "python3, or python:3.X-slim)",
                     where);
  }
  if (recipe.python.empty())
    return py.interpreters.back();
  for (const auto& i : py.interpreters) {
    if (i.version == recipe.python)
      return i;
  }
  std::string found;
  for (const auto& i : py.interpreters)
    found += (found.empty() ? "" : ", ") + i.version;
  throw InputError("python: \"" + recipe.python + "\" but the base image has Python " + found,
                   "set python to the base's version, or pick a base with Python " + recipe.python,
                   recipe.where("python"));
}

InstallScheme scheme_for(const BaseInterpreter& i) {
  InstallScheme s;
  s.purelib = i.site_packages;
  s.platlib = i.site_packages;
  s.scripts = i.prefix + "/bin";
  s.headers = i.prefix + "/include/python" + i.version;
  s.data = i.prefix;
  s.interpreter = i.executable;
  return s;
}

bool is_sdist_name(const std::string& f) {
  return f.ends_with(".tar.gz") || f.ends_with(".zip") || f.ends_with(".tar.bz2") ||
         f.ends_with(".tgz") || f.ends_with(".tar.xz");
}

// The files of a listing that belong to `pkg` (same project and version).
std::vector<IndexFile> of_package(const std::vector<IndexFile>& listing, const LockedPackage& pkg) {
  std::string name = normalize_distribution_name(pkg.name);
  std::vector<IndexFile> out;
  for (const auto& f : listing) {
    if (auto w = parse_wheel_name(f.filename)) {
      if (normalize_distribution_name(w->distribution) == name &&
          same_version(w->version, pkg.version)) {
        out.push_back(f);
      }
    } else if (is_sdist_name(f.filename)) {
      // name-version.tar.gz: the version follows the last '-' before the extension.
      std::string stem = f.filename.substr(0, f.filename.find(".tar"));
      if (stem.ends_with(".zip"))
        stem.resize(stem.size() - 4);
      auto dash = stem.rfind('-');
      if (dash != std::string::npos && normalize_distribution_name(stem.substr(0, dash)) == name &&
          same_version(stem.substr(dash + 1), pkg.version)) {
        out.push_back(f);
      }
    }
  }
  return out;
}

struct Resolved {
  IndexFile file;
  std::string group;  // "pip==23.0.1"
  recipes::LayerClass layer_class = recipes::LayerClass::dependencies;
  InstalledWheel installed;  // its files, streamed from the verified wheel
};

class Installer {
 public:
  Installer(const recipes::Recipe& recipe, const Lock& lock, const InstallScheme& scheme,
            const TagRanker& ranker, const PythonContentOptions& options)
      : recipe_(recipe),
        lock_(lock),
        scheme_(scheme),
        ranker_(ranker),
        options_(options),
        cache_(options.wheel_downloads) {
    indexes_ = recipe.python_index;
    indexes_.insert(indexes_.end(), lock.index_urls.begin(), lock.index_urls.end());
  }

  std::vector<Resolved> run() {
    // One client for every download thread: its handle pool keeps each index's connections
    // alive across packages.
    net::HttpClient http(index_http_options(options_.ca_file));
    for (const auto& location : lock_.find_links) {
      auto files = list_find_links(http, location);
      find_links_.insert(find_links_.end(), files.begin(), files.end());
    }
    std::vector<Resolved> results(lock_.packages.size());
    parallel_for(results.size(), options_.parallel_downloads,
                 [&](std::size_t i) { results[i] = resolve_and_install(http, lock_.packages[i]); });
    return results;
  }

 private:
  void say(const std::string& line) {
    if (!options_.progress)
      return;
    std::lock_guard guard(say_mutex_);
    options_.progress(line);
  }

  std::vector<IndexFile> candidates(net::HttpClient& http, const LockedPackage& pkg) {
    if (!pkg.files.empty()) {
      std::vector<IndexFile> out;
      for (const auto& f : pkg.files) {
        IndexFile file;
        file.filename = f.filename;
        file.url = f.url;
        file.path = f.path;
        if (f.sha256.size() == 1)
          file.sha256 = f.sha256.front();
        file.source = "the lock";
        out.push_back(file);
      }
      return out;
    }
    auto files = of_package(find_links_, pkg);
    if (!files.empty())
      return files;
    std::vector<std::string> searched;
    for (const auto& index : indexes_) {
      searched.push_back(net::redact_url(index));
      auto listing = list_project(http, index, pkg.name);
      if (!listing)
        continue;
      files = of_package(*listing, pkg);
      if (!files.empty())
        return files;
    }
    if (indexes_.empty() && lock_.find_links.empty()) {
      throw InputError("the lock pins " + pkg.name + "==" + pkg.version +
                           " but the recipe names no python_index to find it in",
                       "add python_index: [https://pypi.org/simple] (or your mirror) to the "
                       "recipe",
                       recipe_.where("python_requirements"));
    }
    std::string where;
    for (const auto& s : searched)
      where += (where.empty() ? "" : ", ") + s;
    for (const auto& s : lock_.find_links)
      where += (where.empty() ? "" : ", ") + s;
    throw InputError(pkg.name + "==" + pkg.version + " is on none of the indexes (" + where + ")",
                     "check the name and version in the lock and the python_index list", pkg.where);
  }

  IndexFile choose(const LockedPackage& pkg, const std::vector<IndexFile>& files) const {
    const IndexFile* best = nullptr;
    std::size_t best_rank = 0;
    bool any_wheel = false;
    for (const auto& f : files) {
      auto w = parse_wheel_name(f.filename);
      if (!w)
        continue;
      any_wheel = true;
      auto rank = ranker_.rank(*w);
      if (!rank)
        continue;
      if (!best || *rank < best_rank || (*rank == best_rank && f.filename < best->filename)) {
        best = &f;
        best_rank = *rank;
      }
    }
    if (best != nullptr)
      return *best;
    std::string available;
    for (const auto& f : files)
      available += "\n  " + f.filename + "  (" + f.source + ")";
    if (!any_wheel) {
      throw InputError(
          pkg.name + "==" + pkg.version + " is only available as an sdist:" + available,
          "stowage installs wheels only: building an sdist runs its build backend, "
          "which a daemonless build never does. Lock a version that has wheels, or "
          "build the wheel and add it with --find-links",
          pkg.where);
    }
    throw InputError("no wheel of " + pkg.name + "==" + pkg.version + " fits " +
                         ranker_.describe() + "; available:" + available,
                     "pick a version with a wheel for this platform, or a base image whose "
                     "Python and glibc the wheels support",
                     pkg.where);
  }

  std::vector<std::string> accepted(const LockedPackage& pkg, const IndexFile& chosen) const {
    if (!pkg.files.empty()) {
      for (const auto& f : pkg.files) {
        if (f.filename == chosen.filename && f.url == chosen.url && f.path == chosen.path) {
          return f.sha256;
        }
      }
    }
    return pkg.sha256;
  }

  Resolved resolve_and_install(net::HttpClient& http, const LockedPackage& pkg) {
    Resolved r;
    r.file = choose(pkg, candidates(http, pkg));
    auto fetched = cache_.fetch(http, r.file, accepted(pkg, r.file), pkg.where);
    if (fetched.downloaded)
      say("downloaded " + r.file.filename);

    std::string direct_url;
    if (pkg.direct_url)
      direct_url = r.file.url.empty() ? "file://" + r.file.path.string() : r.file.url;
    InstallOptions install_options;
    if (!direct_url.empty())
      install_options.direct_url = direct_url;
    install_options.sha256 = fetched.sha256;
    install_options.verified_marker = options_.verified_wheels / fetched.sha256;
    r.installed = install_wheel(fetched.path, r.file.filename, scheme_, install_options);
    r.group = normalize_distribution_name(pkg.name) + "==" + pkg.version;
    r.layer_class = knowledge::classify_distribution(pkg.name);
    return r;
  }

  const recipes::Recipe& recipe_;
  const Lock& lock_;
  const InstallScheme& scheme_;
  const TagRanker& ranker_;
  const PythonContentOptions& options_;
  WheelCache cache_;
  std::vector<std::string> indexes_;
  std::vector<IndexFile> find_links_;
  std::mutex say_mutex_;
};

}  // namespace

std::vector<ContentItem> python_content(const recipes::Recipe& recipe, const BaseImage& base,
                                        const layers::BlobStore& blobs,
                                        const PythonContentOptions& options) {
  if (recipe.python_requirements.empty())
    return {};
  std::vector<fs::path> layer_files;
  std::string layer_ids;
  for (const auto& l : base.layers) {
    layer_files.push_back(blobs.path_of(l.digest));
    layer_ids += l.digest.str() + "\n";
  }
  BasePython py = probe_base_python(layer_files, options.base_python_probes,
                                    std::string(layers::Digest::of(layer_ids).hex()));
  const BaseInterpreter& interpreter = choose_interpreter(recipe, py);
  InstallScheme scheme = scheme_for(interpreter);

  TagTarget target;
  auto dot = interpreter.version.find('.');
  target.python_major = std::stoi(interpreter.version.substr(0, dot));
  target.python_minor = std::stoi(interpreter.version.substr(dot + 1));
  target.arch = machine_of_architecture(options.platform.architecture);
  target.glibc_major = py.glibc_major;
  target.glibc_minor = py.glibc_minor;
  target.musl_major = py.musl_major;
  target.musl_minor = py.musl_minor;
  TagRanker ranker(target);

  MarkerEnvironment env;
  env.python_version = interpreter.version;
  env.python_full_version = interpreter.version + ".0";
  env.platform_machine = target.arch;

  Lock lock = read_lock(recipe.dir / recipe.python_requirements, env);
  if (!recipe.cuda.empty()) {
    std::vector<knowledge::Pin> pins;
    for (const auto& p : lock.packages)
      pins.push_back({p.name, p.version, std::nullopt, p.where});
    bool cuda_in_base = base.description.find("nvidia/cuda") != std::string::npos;
    for (const auto& w : knowledge::check_lock(pins, recipe.cuda, cuda_in_base)) {
      if (options.warn)
        options.warn(w);
    }
  }
  if (options.progress) {
    options.progress("python: " + std::to_string(lock.packages.size()) + " packages for " +
                     ranker.describe() + " into /" + scheme.purelib);
  }
  Installer installer(recipe, lock, scheme, ranker, options);
  std::vector<Resolved> resolved = installer.run();

  // Two wheels may ship the same file (the nvidia-* wheels all carry nvidia/__init__.py):
  // identical bytes (by their RECORD hash, checked as they stream) are installed once, in the
  // first wheel's layer; anything else is refused.
  struct Kept {
    const Resolved* wheel;
    const WheelFile* file;
  };
  std::map<std::string_view, Kept> first;
  std::vector<ContentItem> unique;
  for (auto& r : resolved) {
    for (auto& file : r.installed.files) {
      auto [it, inserted] = first.emplace(file.entry.path, Kept{&r, &file});
      if (!inserted) {
        const WheelFile& kept = *it->second.file;
        if (kept.record_hash != file.record_hash || kept.entry.size != file.entry.size) {
          throw InputError(it->second.wheel->group + " and " + r.group + " both install /" +
                               file.entry.path + " with different content",
                           "the lock pins two distributions that overwrite each other; drop one",
                           recipe.where("python_requirements"));
        }
        continue;
      }
      ContentItem item;
      item.entry = file.entry;
      item.layer_class = r.layer_class;
      item.origin = "python_requirements";
      item.group = r.group;
      unique.push_back(std::move(item));
    }
  }
  return unique;
}

}  // namespace stowage::builder
