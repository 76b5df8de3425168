#include "python/index_fetch.h"

#include "core/error.h"
#include "net/retry.h"
#include "net/retrying_get.h"
#include "net/url.h"

namespace stowage::python {
namespace {

// Three tries, the second after about half a second: enough for an index behind a restarting
// proxy, short enough that a dead index is reported quickly.
net::RetryPolicy index_retry_policy() {
  net::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(400);
  return policy;
}

net::Response get(net::HttpClient& http, net::Request request,
                  const std::function<void()>& restart) {
  request.follow_redirects = true;
  request.decode_content = true;
  try {
    return net::get_with_retries(http, request, index_retry_policy(), restart);
  } catch (const net::NetworkError& e) {
    throw Error("cannot fetch " + net::redact_url(request.url) + ": " + e.cause(),
                "check the index URL and the network");
  }
}

}  // namespace

net::HttpOptions index_http_options(const std::filesystem::path& ca_file) {
  net::HttpOptions options;
  options.user_agent = "stowage";
  options.ca_file = ca_file;
  options.stall_timeout = std::chrono::seconds(60);
  options.netrc = net::Netrc::load(net::Netrc::default_path());
  return options;
}

net::Response fetch_page(net::HttpClient& http, const std::string& url, net::Headers headers) {
  net::Request request;
  request.url = url;
  request.headers = std::move(headers);
  return get(http, std::move(request), {});
}

void download(net::HttpClient& http, const std::string& url,
              const std::function<void(std::span<const std::byte>)>& sink,
              const std::function<void()>& restart) {
  net::Request request;
  request.url = url;
  request.sink = sink;
  net::Response response = get(http, std::move(request), restart);
  if (!response.ok()) {
    throw Error(
        "cannot download " + net::redact_url(url) + ": HTTP " + std::to_string(response.status),
        response.status == 401 || response.status == 403
            ? "the index wants credentials: put them in ~/.netrc (or $NETRC)"
            : "check that the index still serves this file");
  }
}

}  // namespace stowage::python
