// When and how long to wait before trying a request again: the registry transport and index
// fetches (retrying_get.h) share these rules.
//
// Registries, indexes and the proxies in front of them fail transiently: 408, 429 (rate limits,
// often with Retry-After), 500/502/503/504 during deploys, dropped connections. stowage retries
// those with exponential backoff and full jitter (so parallel uploads do not retry in lockstep),
// honouring Retry-After when the server sends one.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace stowage::net {

struct RetryPolicy {
  // Tries per request, the first included. 5 rides out a registry restart of ~10 s.
  int max_attempts = 5;
  // The first backoff's upper bound; it doubles per attempt up to max_backoff.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
  // A Retry-After longer than this is cut to it, so a hostile value cannot hang a build.
  std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};
};

// True for statuses worth retrying: 408, 429, and 5xx except 501 and 505 (never transient).
bool is_retryable_status(long status);

// Parses a Retry-After value (delta-seconds or an HTTP date); nullopt when absent or malformed.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

// The waits between one request's attempts.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);
  // When the policy allows another attempt: sleeps (Retry-After when given, capped; else a
  // jittered exponential delay) and returns true. Otherwise returns false at once.
  bool wait_before_retry(std::optional<std::chrono::milliseconds> retry_after = std::nullopt);
  // Retries granted so far.
  int retries() const { return retries_; }

 private:
  RetryPolicy policy_;
  int retries_ = 0;
  std::minstd_rand random_;
};

}  // namespace stowage::net
