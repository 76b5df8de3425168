#include "builder/cli/report.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cstdio>

namespace stowage::cli {

std::string human_bytes(std::int64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{} B", bytes);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::function<void(const std::string&)> progress_printer(bool forced) {
  if (!forced && isatty(STDERR_FILENO) == 0) return {};
  return [](const std::string& line) { fmt::print(stderr, "stowage: {}\n", line); };
}

}  // namespace stowage::cli
