#include "net/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "core/error.h"
#include "core/strings.h"

namespace stowage::net {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using Url = std::unique_ptr<CURLU, UrlDeleter>;

Url parse(const std::string& url) {
  Url u(curl_url());
  if (!u)
    throw Error("out of memory parsing a URL");
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return nullptr;
  return u;
}

std::optional<std::string> part(const Url& u, CURLUPart which, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(u.get(), which, &out, flags) != CURLUE_OK || out == nullptr)
    return std::nullopt;
  std::string value(out);
  curl_free(out);
  return value;
}

}  // namespace

std::string resolve_url(const std::string& base, const std::string& reference) {
  Url u = parse(base);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    throw Error("cannot resolve the link \"" + url_for_message(reference) + "\" against " +
                url_for_message(base));
  }
  auto resolved = part(u, CURLUPART_URL);
  if (!resolved) {
    throw Error("cannot resolve the link \"" + url_for_message(reference) + "\" against " +
                url_for_message(base));
  }
  return *resolved;
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return std::string(url);
  auto authority_end = url.find_first_of("/?#", scheme + 3);
  auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < scheme)
    return std::string(url);
  return std::string(url.substr(0, scheme + 3)) + "***@" + std::string(url.substr(at + 1));
}

std::string url_for_message(std::string_view url) {
  return redact_url(url.substr(0, url.find('?')));
}

std::string url_host(const std::string& url) {
  Url u = parse(url);
  if (!u)
    return {};
  return to_lower(part(u, CURLUPART_HOST).value_or(""));
}

bool url_has_credentials(const std::string& url) {
  Url u = parse(url);
  return u && part(u, CURLUPART_USER).has_value();
}

bool same_origin(const std::string& a, const std::string& b) {
  Url ua = parse(a);
  Url ub = parse(b);
  if (!ua || !ub)
    return false;
  for (CURLUPart p : {CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT}) {
    auto pa = part(ua, p, CURLU_DEFAULT_PORT);
    auto pb = part(ub, p, CURLU_DEFAULT_PORT);
    if (!pa || !pb || to_lower(*pa) != to_lower(*pb))
      return false;
  }
  return true;
}

}  // namespace stowage::net
