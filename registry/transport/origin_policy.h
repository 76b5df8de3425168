// Where the requests made for one registry may go, and which of them carry its credentials.
// The one home of these rules; the transport and the token fetch ask it before sending.
//
//   - Authorization (Basic credentials, bearer tokens) goes only to the registry's own origin
//     (scheme, host and port of RegistryTransport::base_url()).
//   - A URL the registry hands out on another origin (an upload session's Location, a blob
//     redirected to storage) is requested without credentials, and only over HTTPS, as
//     Docker's and containers/image's clients do.
//   - Basic credentials and refresh tokens go to a token realm over HTTPS; over plain HTTP only
//     on the registry's own host name, when the user named the registry with
//     --insecure-registry (a dev token service on another port of that host).
#pragma once

#include <string>

namespace stowage::registry::transport {

class OriginPolicy {
 public:
  // `registry` names the registry in messages; `host` is its "host[:port]"; `insecure`: the
  // user allowed plain HTTP to it.
  OriginPolicy(std::string registry, std::string host, bool insecure);

  // True when a request to `url` may carry the registry's Authorization: it is of the same
  // origin as `registry_url` ("https://host[:port]").
  bool may_authorize(const std::string& registry_url, const std::string& url) const;

  // Throws Error when a request made for the registry at `registry_url` may not go to `url`
  // at all: another origin over plain HTTP.
  void check_request(const std::string& registry_url, const std::string& url) const;

  // Throws Error when credentials may not be sent to the token service at `realm`. The message
  // names the realm's host and says what to do; it never shows the credentials.
  void check_token_realm(const std::string& realm) const;

 private:
  std::string registry_;
  std::string host_name_;
  bool insecure_;
};

}  // namespace stowage::registry::transport
