// Following redirects one hop at a time, so each hop is checked before anything is sent.
//
// libcurl could follow redirects itself, but then it, not stowage, would decide which
// credentials a hop receives. Here every hop is a new request: netrc credentials are looked up
// for its own host (http_client.cc), an Authorization or Cookie header given by the caller is
// dropped once the redirect leaves the original origin, and only http and https are followed.
#pragma once

#include "net/http_client.h"

namespace stowage::net {

// Hops followed before the request fails; curl's and browsers' order of magnitude.
inline constexpr int kMaxRedirects = 10;

// 301, 302, 303, 307 and 308: the statuses whose Location is followed.
bool is_redirect(long status);

// The request to send after `response` (a redirect) answered `request`: its Location resolved
// against the URL that answered; GET without a body after a 303, and after a 301 or 302 to a
// POST (as browsers and curl do); Authorization and Cookie headers dropped when the new URL
// is of another origin than `original_url`. Throws NetworkError (not transient) when the
// Location is missing, unusable, or not http/https.
Request redirected(const Request& request, const Response& response,
                   const std::string& original_url);

}  // namespace stowage::net
