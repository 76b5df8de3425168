#include "cache/build_history.h"

#include <fcntl.h>
#include <sys/file.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"

namespace stowage::cache {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<HistoryBuild> parse(const fs::path& file) {
  std::vector<HistoryBuild> builds;
  std::error_code ec;
  if (!fs::exists(file, ec))
    return builds;
  json j = json::parse(read_file(file), nullptr, false);
  // History only informs; a damaged file starts a new history rather than failing a build.
  if (j.is_discarded() || !j.is_object() || !j.contains("builds"))
    return builds;
  for (const auto& b : j["builds"]) {
    HistoryBuild build;
    build.time = b.value("time", std::int64_t{0});
    build.manifest = b.value("manifest", "");
    build.config = b.value("config", "");
    for (const auto& l : b.value("layers", json::array())) {
      build.layers.push_back(
          {l.value("class", ""), l.value("description", ""), l.value("digest", "")});
    }
    builds.push_back(std::move(build));
  }
  return builds;
}

}  // namespace

BuildHistory::BuildHistory(const CacheDir& cache, const fs::path& recipe) {
  std::string key{layers::Digest::of(fs::absolute(recipe).lexically_normal().string()).hex()};
  file_ = cache.history() / (key + ".json");
}

std::vector<HistoryBuild> BuildHistory::builds() const {
  return parse(file_);
}

void BuildHistory::record(const HistoryBuild& build) const {
  fs::create_directories(file_.parent_path());
  // Two builds of one recipe may finish together; the lock keeps both records.
  fs::path lock_path = file_;
  lock_path += ".lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock || ::flock(lock.get(), LOCK_EX) != 0) {
    throw Error("cannot lock " + lock_path.string() + ": " + errno_text(errno));
  }
  auto builds = parse(file_);
  builds.push_back(build);
  if (builds.size() > kMaxBuilds) {
    builds.erase(builds.begin(), builds.end() - static_cast<std::ptrdiff_t>(kMaxBuilds));
  }
  json out = json::array();
  for (const auto& b : builds) {
    json layers = json::array();
    for (const auto& l : b.layers) {
      layers.push_back(
          {{"class", l.layer_class}, {"description", l.description}, {"digest", l.digest}});
    }
    out.push_back(
        {{"time", b.time}, {"manifest", b.manifest}, {"config", b.config}, {"layers", layers}});
  }
  write_file_atomically(file_, json{{"builds", out}}.dump());
}

LayerChurn BuildHistory::churn(const std::vector<HistoryBuild>& builds,
                               const std::string& description) {
  LayerChurn churn;
  std::optional<std::string> previous;
  for (const auto& b : builds) {
    std::optional<std::string> current;
    for (const auto& l : b.layers) {
      if (l.description == description)
        current = l.digest;
    }
    if (previous && current) {
      ++churn.comparisons;
      if (*previous != *current)
        ++churn.changed;
    }
    previous = current;
  }
  return churn;
}

std::vector<HistoryBuild> BuildHistory::all(const CacheDir& cache) {
  std::vector<HistoryBuild> builds;
  std::error_code ec;
  for (fs::directory_iterator it(cache.history(), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".json")
      continue;
    auto more = parse(it->path());
    builds.insert(builds.end(), more.begin(), more.end());
  }
  return builds;
}

}  // namespace stowage::cache
