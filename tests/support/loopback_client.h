// Registry client options for the tests that talk to a real docker-registry on loopback.
#pragma once

#include <chrono>
#include <string>

#include "registry/client.h"

namespace stowage::testing {

// Client options for a plain-HTTP loopback registry, with fast retries and no user
// credentials (an empty keychain), so tests never read the developer's docker config.
inline registry::ClientOptions loopback_options(const std::string& host) {
  registry::ClientOptions o;
  o.insecure_registries = {host};
  o.retry.initial_backoff = std::chrono::milliseconds(50);
  o.retry.max_backoff = std::chrono::milliseconds(400);
  o.keychain = registry::Keychain({});
  return o;
}

}  // namespace stowage::testing
