#include "net/retry.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <string>
#include <thread>

namespace stowage::net {

bool is_retryable_status(long status) {
  return status == 408 || status == 429 ||
         (status >= 500 && status <= 599 && status != 501 && status != 505);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ')
    value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ')
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  long seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0)
      return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string text(value);
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (parsed == nullptr || *parsed != '\0')
    return std::nullopt;
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(
      when - std::chrono::system_clock::now());
  return std::max(delta, std::chrono::milliseconds(0));
}

Backoff::Backoff(const RetryPolicy& policy)
    : policy_(policy), random_(static_cast<unsigned>(std::random_device{}())) {}

bool Backoff::wait_before_retry(std::optional<std::chrono::milliseconds> retry_after) {
  if (retries_ + 1 >= policy_.max_attempts)
    return false;
  ++retries_;
  std::chrono::milliseconds delay;
  if (retry_after) {
    delay = std::min(*retry_after, policy_.max_retry_after);
  } else {
    auto ceiling = policy_.initial_backoff * (1LL << std::clamp(retries_ - 1, 0, 20));
    ceiling = std::min<std::chrono::milliseconds>(ceiling, policy_.max_backoff);
    // Jitter in [ceiling/2, ceiling]: parallel uploads spread out, and never zero so a 503
    // storm is not hammered.
    std::uniform_int_distribution<long long> pick(ceiling.count() / 2, ceiling.count());
    delay = std::chrono::milliseconds(pick(random_));
  }
  std::this_thread::sleep_for(delay);
  return true;
}

}  // namespace stowage::net
