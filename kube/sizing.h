// The numbers kube/ derives from sizes, as formulas a reader can check (docs/kubernetes.md
// gives the reasons). All sizes are in bytes, all times in seconds.
#pragma once

#include <cstdint>
#include <optional>

namespace stowage::kube {

// Time a model server gets to come up before it is restarted, whatever its model size.
inline constexpr int kStartupBaseSeconds = 60;
// Assumed rate of reading model files into (host or GPU) memory: 50 MiB/s. Conservative for
// network-attached disks and for weights that are deserialised rather than mapped.
inline constexpr std::int64_t kModelLoadBytesPerSecond = std::int64_t{50} << 20;
// Assumed rate of pulling and unpacking an image on a node: 25 MiB/s.
inline constexpr std::int64_t kImagePullBytesPerSecond = std::int64_t{25} << 20;
// Kubernetes' own default progressDeadlineSeconds, kept as the floor.
inline constexpr int kDefaultProgressDeadlineSeconds = 600;
// How often the startup probe runs.
inline constexpr int kStartupProbePeriodSeconds = 10;

// `override_seconds` when set, else kStartupBaseSeconds + ceil(model_bytes / load rate).
int startup_allowance_seconds(std::int64_t model_bytes, std::optional<int> override_seconds);

// The startupProbe's failureThreshold: ceil(allowance / period), at least 1.
int startup_failure_threshold(int allowance_seconds);

// max(600, ceil(image_bytes / pull rate) + startup allowance + 120): a rollout of a large
// image is not declared failed while its pods are still pulling or loading.
int progress_deadline_seconds(std::int64_t image_bytes, int startup_allowance_seconds);

}  // namespace stowage::kube
