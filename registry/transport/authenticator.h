// The authorization state of one registry: which scheme it challenged with, the credentials,
// and bearer tokens cached per scope set.
//
// Thread-safe: parallel uploads share one Authenticator, and a token fetched for one of them
// serves all requests with the same scopes until it nears expiry.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "registry/credentials.h"
#include "registry/transport/bearer.h"
#include "registry/transport/challenge.h"
#include "registry/transport/origin_policy.h"

namespace stowage::registry::transport {

class Authenticator {
 public:
  // `lookup` is called at most once, on the first challenge, so anonymous registries never
  // run a credential helper. `policy` says which token realms may receive the credentials.
  // No reference is owned.
  Authenticator(std::string registry, net::HttpClient& http, const OriginPolicy& policy,
                std::function<std::optional<Credentials>()> lookup);

  // The Authorization header value for a request needing `scopes`, or "" to send none.
  // Fetches (and caches) a bearer token when the registry wants one, refreshing it shortly
  // before it expires so a long upload never starts a request with a stale token. Throws
  // Error when the token service refuses, or when the credentials may not go to its realm.
  std::string authorization(const std::vector<std::string>& scopes);

  // Handles a 401 answered to a request sent with `scopes`: records the challenge, drops the
  // token that was refused, and adds the scope the registry asked for (insufficient_scope) to
  // `scopes`. Returns true when sending again can help, false when the registry refused what
  // stowage can offer (no credentials for Basic, or no challenge it understands).
  bool unauthorized(const std::string& www_authenticate, std::vector<std::string>& scopes);

 private:
  const std::optional<Credentials>& credentials();  // mutex_ held
  static std::string key(const std::vector<std::string>& scopes);

  std::string registry_;
  net::HttpClient& http_;
  const OriginPolicy& policy_;
  std::function<std::optional<Credentials>()> lookup_;
  std::mutex mutex_;
  std::optional<Challenge> challenge_;
  bool looked_up_ = false;
  std::optional<Credentials> credentials_;
  std::map<std::string, BearerToken> tokens_;
};

}  // namespace stowage::registry::transport
