#include "registry/transport/bearer.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "core/strings.h"
#include "net/retry.h"
#include "registry/base64.h"

namespace stowage::registry::transport {
namespace {

using nlohmann::json;

// The token lifetime when the service does not say: 60 s, the distribution spec's default.
constexpr std::chrono::seconds kDefaultLifetime{60};
// No registry issues tokens for longer (Docker Hub: 5 min, ECR: 12 h); renewing daily is free.
constexpr std::chrono::seconds kMaxLifetime{24 * 60 * 60};

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  if (e == nullptr)
    throw Error("out of memory escaping a URL");
  std::string out(e);
  curl_free(e);
  return out;
}

}  // namespace

std::chrono::seconds token_lifetime(std::optional<double> expires_in) {
  // `!(x > 0)` also catches NaN, which JSON cannot carry but a caller might.
  if (!expires_in || !(*expires_in > 0))
    return kDefaultLifetime;
  if (*expires_in >= static_cast<double>(kMaxLifetime.count()))
    return kMaxLifetime;
  return std::chrono::seconds(*expires_in < 1 ? 1 : static_cast<std::int64_t>(*expires_in));
}

std::string basic_authorization(const Credentials& credentials) {
  return "Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

BearerToken fetch_token(net::HttpClient& http, const Challenge& challenge,
                        const std::vector<std::string>& scopes,
                        const std::optional<Credentials>& credentials, const std::string& registry,
                        const OriginPolicy& policy) {
  std::string realm = challenge.param("realm");
  if (realm.empty()) {
    throw Error("registry " + registry + " asked for a bearer token without saying where to get it",
                "its WWW-Authenticate header has no realm");
  }
  if (credentials && (!credentials->identity_token.empty() || !credentials->username.empty()))
    policy.check_token_realm(realm);
  std::string service = challenge.param("service");
  net::Request req;
  if (credentials && !credentials->identity_token.empty()) {
    std::string form = "grant_type=refresh_token&client_id=stowage&refresh_token=" +
                       escape(credentials->identity_token);
    if (!service.empty())
      form += "&service=" + escape(service);
    if (!scopes.empty())
      form += "&scope=" + escape(join(scopes, " "));
    req.method = "POST";
    req.url = realm;
    req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto body = std::make_shared<std::string>(std::move(form));
    req.body_size = static_cast<std::int64_t>(body->size());
    req.body = [body] { return std::make_unique<net::StringReader>(*body); };
  } else {
    std::string url = realm;
    char sep = realm.find('?') == std::string::npos ? '?' : '&';
    if (!service.empty()) {
      url += sep + std::string("service=") + escape(service);
      sep = '&';
    }
    for (const auto& s : scopes) {
      url += sep + std::string("scope=") + escape(s);
      sep = '&';
    }
    req.url = url;
    if (credentials && !credentials->username.empty()) {
      req.headers.emplace_back("Authorization", basic_authorization(*credentials));
    }
  }
  req.follow_redirects = req.method == "GET";

  net::Response resp = http.send(req);
  if (resp.status == 401 || resp.status == 403) {
    throw Error("registry " + registry + " rejected the credentials (the token service answered " +
                    std::to_string(resp.status) + ")",
                credentials ? "check the login for " + registry + " (docker login " + registry +
                                  ", or the auth file)"
                            : "log in first: docker login " + registry);
  }
  if (net::is_retryable_status(resp.status)) {
    // Transient like a dropped connection: the caller's retry loop treats it the same way.
    throw net::NetworkError("the token service of " + registry + " answered " +
                            std::to_string(resp.status));
  }
  if (!resp.ok()) {
    throw Error("the token service of " + registry + " answered " + std::to_string(resp.status),
                "the registry may be down; try again later");
  }
  json j = json::parse(resp.body, nullptr, false);
  if (!j.is_object())
    throw Error("the token service of " + registry + " did not answer JSON");
  std::string token;
  for (const char* key : {"token", "access_token"}) {
    if (auto it = j.find(key);
        it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      token = it->get<std::string>();
      break;
    }
  }
  if (token.empty()) {
    throw Error("the token service of " + registry + " answered without a token",
                "expected a JSON object with \"token\" or \"access_token\"");
  }
  std::optional<double> expires_in;
  if (auto it = j.find("expires_in"); it != j.end() && it->is_number())
    expires_in = it->get<double>();
  return {token, std::chrono::steady_clock::now() + token_lifetime(expires_in)};
}

}  // namespace stowage::registry::transport
