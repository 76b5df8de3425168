#include "kube/manifests.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <list>
#include <optional>
#include <set>
#include <string_view>

#include "core/error.h"
#include "core/file.h"
#include "kube/objects.h"
#include "kube/settings.h"
#include "kube/yaml_emitter.h"

namespace stowage::kube {
namespace {

using nlohmann::json;

// Every file name this module has ever written, so stale ones can be removed (and only those).
constexpr std::array<std::string_view, 7> kObjectStems = {
    "serviceaccount",      "service",          "deployment", "horizontalpodautoscaler",
    "poddisruptionbudget", "inferenceservice", "all"};

std::string serialise(const json& body, Format format) {
  if (format == Format::json)
    return body.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return std::string(kGeneratedHeader) + to_yaml(body);
}

// The names dir/.stowage-manifests lists; nullopt when it is absent or not stowage's (a file
// by that name that is not a JSON array of strings was not written by stowage).
std::optional<std::set<std::string>> listed_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir / kOwnershipList, ec))
    return std::set<std::string>{};
  const json list = json::parse(read_file(dir / kOwnershipList), nullptr, false);
  if (!list.is_array())
    return std::nullopt;
  std::set<std::string> names;
  for (const json& name : list) {
    if (!name.is_string())
      return std::nullopt;
    names.insert(name.get<std::string>());
  }
  return names;
}

bool starts_with_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string head(kGeneratedHeader.size(), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in.gcount() == static_cast<std::streamsize>(head.size()) && head == kGeneratedHeader;
}

std::string list_content(const std::set<std::string>& names) {
  return json(names).dump() + "\n";
}

std::string extension(Format format) {
  return format == Format::json ? ".json" : ".yaml";
}

}  // namespace

NodeRequirements node_requirements(std::string cuda_version, std::string_view driver) {
  NodeRequirements r{std::move(cuda_version), 0, 0, 0};
  int* parts[] = {&r.min_driver_major, &r.min_driver_minor, &r.min_driver_revision};
  std::size_t index = 0;
  std::string_view rest = driver;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (index == 3 || part.empty() || ec != std::errc() || end != part.data() + part.size()) {
      throw Error("\"" + std::string(driver) + "\" is not an NVIDIA driver version",
                  "expected MAJOR[.MINOR[.REVISION]], e.g. 550.54.14");
    }
    *parts[index++] = value;
    if (dot == std::string_view::npos)
      break;
    rest = rest.substr(dot + 1);
  }
  if (r.min_driver_major <= 0) {
    throw Error("\"" + std::string(driver) + "\" is not an NVIDIA driver version",
                "expected MAJOR[.MINOR[.REVISION]], e.g. 550.54.14");
  }
  return r;
}

Format parse_format(std::string_view text) {
  if (text == "yaml")
    return Format::yaml;
  if (text == "json")
    return Format::json;
  throw InputError("--format \"" + std::string(text) + "\" is not a manifest format",
                   "use --format yaml or --format json");
}

std::vector<ManifestFile> render_manifests(const recipes::Recipe& recipe,
                                           const ManifestInputs& inputs, Format format) {
  const Settings settings = resolve_settings(recipe, inputs);
  const std::vector<KubeObject> objects = core_objects(settings);

  std::vector<ManifestFile> files;
  json resources = json::array();
  for (const KubeObject& o : objects) {
    files.push_back({o.file_stem + extension(format), serialise(o.body, format)});
    resources.push_back(files.back().name);
  }
  if (settings.kserve) {
    const KubeObject isvc = inference_service(settings);
    files.push_back({isvc.file_stem + extension(format), serialise(isvc.body, format)});
  }

  const json kustomization = {{"apiVersion", "kustomize.config.k8s.io/v1beta1"},
                              {"kind", "Kustomization"},
                              {"resources", resources}};
  files.push_back({"kustomization.yaml", serialise(kustomization, format)});

  if (format == Format::json) {
    json items = json::array();
    for (const KubeObject& o : objects)
      items.push_back(o.body);
    const json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}};
    files.push_back({"all.json", serialise(list, format)});
  } else {
    std::string all;
    for (const KubeObject& o : objects)
      all += "---\n" + to_yaml(o.body);
    files.push_back({"all.yaml", std::string(kGeneratedHeader) + all});
  }
  return files;
}

std::vector<std::string> foreign_files(const std::filesystem::path& dir,
                                       const std::vector<ManifestFile>& files) {
  const std::optional<std::set<std::string>> listed = listed_files(dir);
  std::vector<std::string> foreign;
  if (!listed)
    foreign.emplace_back(kOwnershipList);
  for (const ManifestFile& f : files) {
    std::error_code ec;
    if (!std::filesystem::exists(dir / f.name, ec))
      continue;
    if ((!listed || listed->count(f.name) == 0) && !starts_with_header(dir / f.name))
      foreign.push_back(f.name);
  }
  return foreign;
}

void check_ownership(const std::filesystem::path& dir, const std::vector<ManifestFile>& files,
                     bool force) {
  if (force)
    return;
  const std::vector<std::string> foreign = foreign_files(dir, files);
  if (foreign.empty())
    return;
  std::string names;
  for (const std::string& name : foreign)
    names += (names.empty() ? "" : ", ") + (dir / name).string();
  throw InputError("not overwriting " + names + ": stowage did not write " +
                       (foreign.size() == 1 ? "it" : "them"),
                   "move " + std::string(foreign.size() == 1 ? "it" : "them") +
                       " away, choose another output directory, or pass --force to overwrite");
}

void write_manifests(const std::filesystem::path& dir, const std::vector<ManifestFile>& files,
                     bool force) {
  check_ownership(dir, files, force);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error("cannot create " + dir.string() + ": " + ec.message());

  // A killed run leaves "<name>.tmp-<pid>-…" behind; those of dead processes go now (found by
  // tests/hardening/kill_test.cc). Only stowage's own file names are looked at.
  for (const ManifestFile& f : files)
    remove_stale_temporaries(dir, f.name + ".");
  remove_stale_temporaries(dir, std::string(kOwnershipList) + ".");

  // The list names the new files before any of them appears, so a run killed between renames
  // leaves no file of stowage's unlisted; after the renames it is trimmed to this set.
  const std::set<std::string> previous = listed_files(dir).value_or(std::set<std::string>{});
  std::set<std::string> current;
  for (const ManifestFile& f : files)
    current.insert(f.name);
  std::set<std::string> during = previous;
  during.insert(current.begin(), current.end());

  // Write and sync everything under temporary names first; a failure here destroys the
  // AtomicFiles, which removes their temporary files, so nothing new is left behind.
  std::list<AtomicFile> pending;
  pending.emplace_back(dir / kOwnershipList).write(list_content(during));
  for (const ManifestFile& f : files) {
    pending.emplace_back(dir / f.name).write(std::string_view(f.content));
  }
  for (AtomicFile& f : pending)
    f.commit();

  for (std::string_view stem : kObjectStems) {
    for (std::string_view ext : {".yaml", ".json"}) {
      const std::string name = std::string(stem) + std::string(ext);
      const std::filesystem::path path = dir / name;
      const bool ours = previous.count(name) != 0 || starts_with_header(path);
      if (current.count(name) != 0 || !ours)
        continue;
      std::filesystem::remove(path, ec);
      if (ec)
        throw Error("cannot remove stale " + path.string() + ": " + ec.message());
    }
  }
  write_file_atomically(dir / kOwnershipList, list_content(current));
}

std::vector<ManifestFile> generate_manifests(const recipes::Recipe& recipe,
                                             const ManifestInputs& inputs, Format format,
                                             const std::filesystem::path& dir, bool force) {
  std::vector<ManifestFile> files = render_manifests(recipe, inputs, format);
  write_manifests(dir, files, force);
  return files;
}

}  // namespace stowage::kube
