// Shared bits of the registry tests that talk to a real docker-registry.
#pragma once

#include <string>

#include "registry/client.h"
#include "tests/support/process.h"

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

// `skopeo inspect` of a plain-HTTP image: the digest it reports.
inline std::string skopeo_digest(const std::string& ref,
                                 const std::vector<std::string>& extra = {"--tls-verify=false"}) {
  std::vector<std::string> argv = {"skopeo", "inspect", "--format", "{{.Digest}}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("docker://" + ref);
  std::string out = run_ok(argv);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

}  // namespace stowage::testing
