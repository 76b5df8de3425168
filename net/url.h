// URLs as the HTTP client and its users handle them: resolving links and Location headers,
// telling hosts apart, and printing URLs without the credentials they may carry.
#pragma once

#include <string>
#include <string_view>

namespace stowage::net {

// Resolves `reference` against `base` as a browser would (RFC 3986): an absolute URL
// ("https://h/x"), a scheme-relative one ("//h/x"), an absolute path ("/x") or a relative
// path ("x", "../x", "?q"). Serves both links on index pages and Location headers. Throws
// Error (naming both, redacted) when either cannot be parsed.
std::string resolve_url(const std::string& base, const std::string& reference);

// `url` with any "user:password@" replaced by "***@", for messages and logs. Text that is
// not a URL comes back unchanged.
std::string redact_url(std::string_view url);

// What a message shows of a URL: redacted, and without the query string (it carries upload
// state or signatures that are noise to a reader).
std::string url_for_message(std::string_view url);

// The lower-case host name of `url` ("" when it has none or cannot be parsed).
std::string url_host(const std::string& url);

// True when `url` carries a user name ("https://user@h/" or "https://user:pw@h/").
bool url_has_credentials(const std::string& url);

// True when `a` and `b` have the same scheme, host and port (default ports filled in): the
// boundary credentials must not cross.
bool same_origin(const std::string& a, const std::string& b);

}  // namespace stowage::net
