// Bearer tokens from a registry's token service (the distribution "token" and "oauth" specs).
//
// With an identity token (an OAuth2 refresh token from `docker login`), the token is fetched by
// POST grant_type=refresh_token; otherwise by GET, with Basic credentials when there are any
// and anonymously when not. Either answer may name the token "token" or "access_token".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "registry/credentials.h"
#include "registry/transport/challenge.h"
#include "registry/transport/origin_policy.h"

namespace stowage::registry::transport {

struct BearerToken {
  std::string value;
  std::chrono::steady_clock::time_point expires_at;
};

// Fetches a token for `scopes` ("repository:org/app:pull,push") from the realm of `challenge`.
// `registry` names the registry in messages. Credentials (Basic or a refresh token) are sent
// only to a realm `policy` allows; without credentials any realm is asked anonymously. Throws
// Error: a realm the credentials may not go to (nothing is sent), a 401/403 says the
// credentials were rejected (without showing them), anything else names the token service and
// status.
BearerToken fetch_token(net::HttpClient& http, const Challenge& challenge,
                        const std::vector<std::string>& scopes,
                        const std::optional<Credentials>& credentials, const std::string& registry,
                        const OriginPolicy& policy);

// How long to use a token whose answer said "expires_in": `expires_in` (seconds) clamped to
// [1 s, 24 h], or the spec's 60 s when it is absent or not a positive number. The value comes
// from the network: converting 1e300 unclamped would be undefined behaviour, and a lifetime of
// years would keep a revoked token in use for as long as stowage runs.
std::chrono::seconds token_lifetime(std::optional<double> expires_in);

// "Basic base64(user:password)".
std::string basic_authorization(const Credentials& credentials);

}  // namespace stowage::registry::transport
