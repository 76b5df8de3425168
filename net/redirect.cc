#include "net/redirect.h"

#include <algorithm>
#include <cctype>

#include "core/strings.h"
#include "net/url.h"

namespace stowage::net {
namespace {

NetworkError refused(const Request& request, const std::string& why) {
  std::string cause = "redirect " + why;
  return NetworkError(request.method + " " + url_for_message(request.url) + " failed: " + cause,
                      NetworkError::Kind::permanent, cause);
}

}  // namespace

bool is_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Request redirected(const Request& request, const Response& response,
                   const std::string& original_url) {
  std::string location = response.header("Location");
  if (location.empty())
    throw refused(request, "without a Location header");
  Request next = request;
  try {
    next.url = resolve_url(response.url.empty() ? request.url : response.url, location);
  } catch (const Error&) {
    throw refused(request, "to an unusable location \"" + url_for_message(location) + "\"");
  }
  if (!next.url.starts_with("http://") && !next.url.starts_with("https://"))
    throw refused(request,
                  "to " + url_for_message(next.url) + ": only http and https are followed");
  if (response.status == 303 ||
      ((response.status == 301 || response.status == 302) && request.method == "POST")) {
    if (request.method != "HEAD")
      next.method = "GET";
    next.body = nullptr;
    next.body_size = 0;
  }
  if (!same_origin(original_url, next.url)) {
    std::erase_if(next.headers, [](const auto& h) {
      return iequals(h.first, "Authorization") || iequals(h.first, "Cookie");
    });
  }
  return next;
}

}  // namespace stowage::net
