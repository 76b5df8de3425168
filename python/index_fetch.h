// Fetching from package indexes over the one HTTP client (net/http_client.h): the options an
// index needs, retries, and messages that tell the user what to check about the index.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "net/http_client.h"

namespace stowage::python {

// Client options for indexes: `ca_file` (PEM, trusted on top of the system's CAs; empty =
// none), logins from netrc ($NETRC, else ~/.netrc; sent only to their own hosts), and a
// transfer that moves no byte for a minute counts as stalled. Throws Error when the netrc file
// exists but cannot be read.
net::HttpOptions index_http_options(const std::filesystem::path& ca_file);

// GETs a page (an index's project page, a find-links page), following redirects and asking
// for compressed transfer, with retries on dropped connections and retryable statuses.
// Returns the last response, whatever its status. Throws Error "cannot fetch <url>: <cause>"
// when no response arrives.
net::Response fetch_page(net::HttpClient& http, const std::string& url, net::Headers headers = {});

// GETs `url` like fetch_page() and passes the body to `sink` as it arrives; `restart` runs
// before each retry so the sink can start over. Throws Error on a non-2xx status (with a hint
// about netrc for 401/403) or when no response arrives, and rethrows what the sink threw.
void download(net::HttpClient& http, const std::string& url,
              const std::function<void(std::span<const std::byte>)>& sink,
              const std::function<void()>& restart);

}  // namespace stowage::python
