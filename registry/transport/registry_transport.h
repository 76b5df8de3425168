// Everything stowage sends to one registry goes through a RegistryTransport: it picks the
// scheme (HTTPS; plain HTTP only for registries the user marked insecure), pings /v2/ once to
// learn how the registry authenticates, adds authorization per request (to the registry's own
// origin only, origin_policy.h), answers 401s, and retries transient failures. The layers are
// go-containerregistry's: ping → schemer → auth → retry, around one shared HttpClient.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/retry.h"
#include "registry/credentials.h"
#include "registry/transport/authenticator.h"
#include "registry/transport/origin_policy.h"

namespace stowage::registry::transport {

// "repository:org/app:pull" and friends, as the token services want them.
std::string pull_scope(const std::string& repository);
std::string push_scope(const std::string& repository);  // "pull,push"

class RegistryTransport {
 public:
  // `host` is "host[:port]" as URLs use it; `registry` the name used for credentials and
  // messages (they differ only for Docker Hub). `insecure` allows falling back to plain HTTP.
  // `http` and `keychain` must outlive the transport.
  RegistryTransport(std::string registry, std::string host, bool insecure, net::HttpClient& http,
                    const Keychain& keychain, net::RetryPolicy retry);

  const std::string& registry() const { return registry_; }
  const net::RetryPolicy& retry_policy() const { return retry_; }

  // "https://host[:port]" (or "http://…" for an insecure registry without TLS). The first call
  // pings the registry; throws Error when it cannot be reached or is not a registry.
  std::string base_url();

  // Sends `request` authorized for `scopes`. A URL starting with '/' is relative to
  // base_url(). An absolute URL on another origin (an upload session, a redirect to storage)
  // is sent without Authorization and only over HTTPS; the same holds for every redirect hop.
  // On 401 from the registry's own origin it re-authenticates (escalating scopes on
  // insufficient_scope) and sends again, at most twice. With `retry`, network errors and
  // 408/429/5xx are retried per the policy, honouring Retry-After; the request's body factory makes
  // a fresh body each time. A network error after the response body started reaching the request's
  // sink is not retried. Returns the final response whatever its status; throws NetworkError when
  // the last attempt got no response, and Error when authentication itself fails or the URL is
  // refused.
  net::Response send(net::Request request, std::vector<std::string> scopes, bool retry = true);

 private:
  void ping();  // ping_mutex_ held

  std::string registry_;
  std::string host_;
  bool insecure_;
  net::HttpClient& http_;
  net::RetryPolicy retry_;
  OriginPolicy policy_;
  Authenticator auth_;
  std::mutex ping_mutex_;
  std::string base_url_;
};

}  // namespace stowage::registry::transport
