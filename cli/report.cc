#include "cli/report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

#include "core/printable.h"

namespace stowage::cli {

std::string human_bytes(std::int64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0)
    return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::function<void(const std::string&)> progress_printer(bool forced) {
  if (!forced && isatty(STDERR_FILENO) == 0)
    return {};
  return [](const std::string& line) { fmt::print(stderr, "stowage: {}\n", printable(line)); };
}

registry::ProgressCallback upload_progress_printer(bool forced) {
  if (!forced && isatty(STDERR_FILENO) == 0)
    return {};
  struct State {
    std::mutex mutex;
    std::map<std::string, std::chrono::steady_clock::time_point> last;
  };
  auto state = std::make_shared<State>();
  return [state](const layers::Digest& blob, std::int64_t done, std::int64_t total) {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(state->mutex);
    auto [it, first] = state->last.try_emplace(blob.str(), now);
    if (!first && done < total && now - it->second < std::chrono::seconds(2))
      return;
    it->second = now;
    fmt::print(stderr, "stowage: uploading {} {} / {}\n", blob.str().substr(0, 19),
               human_bytes(done), human_bytes(total));
  };
}

}  // namespace stowage::cli
