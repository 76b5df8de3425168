// Turning a registry's failed response into a message a user can act on.
#pragma once

#include <string>

#include "core/error.h"
#include "net/http_client.h"

namespace stowage::registry::transport {

// An Error for `response` to the action `what` ("push blob sha256:… to 127.0.0.1:5000/app"),
// with the registry's own error codes and messages ({"errors":[{"code","message"}]}) when it
// sent some, and a hint for the usual causes (401: log in, 403: no permission, 404: no such
// image, 429: rate limit). Never includes request headers or credentials; the registry's text
// is passed through printable() (core/printable.h), so it cannot inject terminal escapes or
// CI log commands.
Error registry_error(const net::Response& response, const std::string& what);

}  // namespace stowage::registry::transport
