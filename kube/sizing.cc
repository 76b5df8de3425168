#include "kube/sizing.h"

#include <algorithm>

namespace stowage::kube {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

int startup_allowance_seconds(std::int64_t model_bytes, std::optional<int> override_seconds) {
  if (override_seconds)
    return *override_seconds;
  return kStartupBaseSeconds + static_cast<int>(ceil_div(std::max<std::int64_t>(model_bytes, 0),
                                                         kModelLoadBytesPerSecond));
}

int startup_failure_threshold(int allowance_seconds) {
  return std::max(1, static_cast<int>(ceil_div(allowance_seconds, kStartupProbePeriodSeconds)));
}

int progress_deadline_seconds(std::int64_t image_bytes, int startup_allowance) {
  const std::int64_t pull =
      ceil_div(std::max<std::int64_t>(image_bytes, 0), kImagePullBytesPerSecond);
  return std::max<int>(kDefaultProgressDeadlineSeconds,
                       static_cast<int>(pull) + startup_allowance + 120);
}

}  // namespace stowage::kube
