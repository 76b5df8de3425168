// GET (or HEAD) with retries: such a request is safe to send again, so a dropped connection
// or a retryable status (retry.h) is answered by waiting and asking again.
//
// The registry transport has its own loop, because it also re-authenticates and knows how to
// resume uploads; this is the plain one, for package indexes and other read-only fetches.
#pragma once

#include <functional>

#include "net/http_client.h"
#include "net/retry.h"

namespace stowage::net {

// Sends `request` (method GET or HEAD) until it gets a response whose status is not retryable,
// a NetworkError that is not transient, or `policy` allows no more attempts; Retry-After is
// honoured. `before_retry`, when given, runs before each new attempt, so that a sink that had
// already received part of a body can start over. Returns the last response, whatever its
// status; rethrows the last NetworkError, or what the sink threw. Throws std::logic_error for
// any other method.
Response get_with_retries(HttpClient& http, const Request& request, const RetryPolicy& policy,
                          const std::function<void()>& before_retry = {});

}  // namespace stowage::net
