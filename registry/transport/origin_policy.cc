#include "registry/transport/origin_policy.h"

#include "core/error.h"
#include "net/url.h"

namespace stowage::registry::transport {

OriginPolicy::OriginPolicy(std::string registry, std::string host, bool insecure)
    : registry_(std::move(registry)),
      host_name_(net::url_host("http://" + host)),
      insecure_(insecure) {}

bool OriginPolicy::may_authorize(const std::string& registry_url, const std::string& url) const {
  return net::same_origin(registry_url, url);
}

void OriginPolicy::check_request(const std::string& registry_url, const std::string& url) const {
  if (net::same_origin(registry_url, url) || url.starts_with("https://"))
    return;
  throw Error("registry " + registry_ + " sent stowage to " + net::url_for_message(url) +
                  ", plain HTTP on another origin than the registry's own (" + registry_url +
                  "); refused",
              "stowage follows a registry's links to other hosts only over HTTPS; configure the "
              "registry (its storage redirects, its upload URLs) to use https");
}

void OriginPolicy::check_token_realm(const std::string& realm) const {
  if (realm.starts_with("https://"))
    return;
  std::string realm_host = net::url_host(realm);
  bool own_host = !realm_host.empty() && realm_host == host_name_;
  if (own_host && insecure_ && realm.starts_with("http://"))
    return;
  std::string where = realm_host.empty() ? net::url_for_message(realm) : realm_host;
  throw Error(
      "refusing to send the credentials for " + registry_ + " to its token service at " + where +
          ": " +
          (own_host ? "it is not HTTPS" : "it is on another host than the registry and not HTTPS"),
      own_host ? "if " + registry_ + " is yours and has no TLS, pass --insecure-registry " +
                     registry_ + "; otherwise make its token realm an https:// URL"
               : "a token service on another host must use HTTPS; check the registry's token "
                 "realm (its WWW-Authenticate header), which should be an https:// URL");
}

}  // namespace stowage::registry::transport
