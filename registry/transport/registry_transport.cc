#include "registry/transport/registry_transport.h"

#include "registry/transport/error.h"

namespace stowage::registry::transport {

std::string pull_scope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}
std::string push_scope(const std::string& repository) {
  return "repository:" + repository + ":pull,push";
}

RegistryTransport::RegistryTransport(std::string registry, std::string host, bool insecure,
                                     net::HttpClient& http, const Keychain& keychain,
                                     net::RetryPolicy retry)
    : registry_(std::move(registry)),
      host_(std::move(host)),
      insecure_(insecure),
      http_(http),
      retry_(retry),
      policy_(registry_, host_, insecure_),
      auth_(registry_, http_, policy_,
            [&keychain, name = registry_] { return keychain.lookup(name); }) {}

void RegistryTransport::ping() {
  std::vector<std::string> schemes = {"https"};
  if (insecure_)
    schemes.push_back("http");
  std::optional<net::NetworkError> last_error;
  for (const auto& scheme : schemes) {
    net::Request req;
    req.url = scheme + "://" + host_ + "/v2/";
    net::Backoff backoff(retry_);
    while (true) {
      try {
        net::Response r = http_.send(req);
        if (net::is_retryable_status(r.status) &&
            backoff.wait_before_retry(net::parse_retry_after(r.header("Retry-After")))) {
          continue;
        }
        if (r.status == 401) {
          std::vector<std::string> none;
          auth_.unauthorized(r.header("WWW-Authenticate"), none);
        } else if (!r.ok()) {
          throw registry_error(r, "contacting registry " + registry_ + " (" + req.url + ")");
        }
        base_url_ = scheme + "://" + host_;
        return;
      } catch (const net::NetworkError& e) {
        last_error = e;
        // A certificate that does not verify is reported, never worked around: the server
        // does speak TLS, so plain HTTP is not what the user allowed.
        if (e.certificate_rejected()) {
          throw Error("cannot reach registry " + registry_ + ": " + e.reason(),
                      "pass its CA certificate with --ca-file");
        }
        // A TLS handshake against a plain-HTTP port fails at once: no point retrying it when
        // plain HTTP is allowed and next in line.
        if (scheme == "https" && insecure_)
          break;
        if (!backoff.wait_before_retry())
          break;
      }
    }
  }
  throw Error("cannot reach registry " + registry_ + ": " + last_error->reason(),
              insecure_ ? "check that it is running and listening on " + host_
                        : "check the address; for a registry without TLS, pass "
                          "--insecure-registry " +
                              host_);
}

std::string RegistryTransport::base_url() {
  std::lock_guard lock(ping_mutex_);
  if (base_url_.empty())
    ping();
  return base_url_;
}

net::Response RegistryTransport::send(net::Request request, std::vector<std::string> scopes,
                                      bool retry) {
  // An absolute URL still needs the challenge the ping learns.
  const std::string registry_url = base_url();
  if (request.url.starts_with("/"))
    request.url = registry_url + request.url;
  policy_.check_request(registry_url, request.url);
  const bool authorize = policy_.may_authorize(registry_url, request.url);
  if (request.follow_redirects) {
    request.check_redirect = [this, registry_url](const std::string& url) {
      policy_.check_request(registry_url, url);
    };
  }
  // Once part of a body reached the sink, sending again would deliver those bytes twice: such
  // a failure goes to the caller, who knows how to resume.
  std::int64_t delivered = 0;
  if (request.sink) {
    request.sink = [&delivered, sink = std::move(request.sink)](std::span<const std::byte> d) {
      delivered += static_cast<std::int64_t>(d.size());
      sink(d);
    };
  }
  net::Backoff backoff(retry_);
  int reauthentications = 0;
  while (true) {
    net::Response r;
    try {
      net::Request attempt = request;
      if (std::string authz = authorize ? auth_.authorization(scopes) : std::string();
          !authz.empty()) {
        attempt.headers.emplace_back("Authorization", std::move(authz));
      }
      r = http_.send(attempt);
    } catch (const net::NetworkError&) {
      if (retry && backoff.wait_before_retry())
        continue;
      throw;
    }
    if (authorize && r.status == 401 && reauthentications < 2 &&
        auth_.unauthorized(r.header("WWW-Authenticate"), scopes)) {
      ++reauthentications;
      continue;
    }
    if (retry && net::is_retryable_status(r.status) &&
        backoff.wait_before_retry(net::parse_retry_after(r.header("Retry-After")))) {
      continue;
    }
    return r;
  }
}

}  // namespace stowage::registry::transport
