#include "net/retrying_get.h"

#include <stdexcept>

namespace stowage::net {

Response get_with_retries(HttpClient& http, const Request& request, const RetryPolicy& policy,
                          const std::function<void()>& before_retry) {
  if (request.method != "GET" && request.method != "HEAD")
    throw std::logic_error("get_with_retries: " + request.method + " is not idempotent");
  Backoff backoff(policy);
  while (true) {
    Response response;
    try {
      response = http.send(request);
    } catch (const NetworkError& e) {
      if (!e.transient() || !backoff.wait_before_retry())
        throw;
      if (before_retry)
        before_retry();
      continue;
    }
    if (!is_retryable_status(response.status) ||
        !backoff.wait_before_retry(parse_retry_after(response.header("Retry-After")))) {
      return response;
    }
    if (before_retry)
      before_retry();
  }
}

}  // namespace stowage::net
