// A small HTTP(S) client over libcurl for package indexes: GET a page, stream a file.
//
// TLS peers are verified (an extra CA may be given); credentials come from the URL's userinfo
// or from netrc ($NETRC, else ~/.netrc), are sent only to the host they belong to (also
// across redirects) and never appear in messages: every URL in an error is redacted.
// Only http and https are spoken. One client per thread; it keeps its connections alive.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace stowage::python {

struct HttpOptions {
  std::filesystem::path ca_file;  // extra trust anchor (PEM); empty = the system's
  std::filesystem::path netrc;    // empty = $NETRC, else ~/.netrc if it exists
  long connect_timeout_seconds = 30;
  int retries = 2;  // extra attempts after a connection failure or a 5xx
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
  std::string url;  // after redirects
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GETs `url` with extra request headers. Returns any HTTP status; throws Error only when
  // no response arrives (after the retries).
  HttpResponse get(const std::string& url, const std::vector<std::string>& headers = {});
  // GETs `url` and passes the body to `sink` as it arrives. Throws Error on a non-2xx status
  // or a transfer failure; `restart` is called before each retry so the sink can start over.
  void stream(const std::string& url, const std::function<void(std::span<const std::byte>)>& sink,
              const std::function<void()>& restart);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `url` with any user:password@ removed, for messages.
std::string redact_url(std::string_view url);

// Resolves `reference` (absolute, scheme-relative, absolute-path or relative) against `base`.
std::string resolve_url(const std::string& base, const std::string& reference);

}  // namespace stowage::python
