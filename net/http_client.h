// A small HTTP/1.1 client over libcurl: streaming bodies both ways, connection reuse, TLS
// verified by default.
//
// One HttpClient serves a whole run: registry pushes and pulls, package indexes, every thread.
// It keeps a pool of curl handles, so consecutive requests to the same host reuse kept-alive
// connections, and parallel requests each get their own. Beyond one request it only follows
// redirects (redirect.h) and sends netrc logins to their own hosts (netrc.h). Retries and
// registry authentication are separate layers stacked on top (retrying_get.h,
// registry_transport.h), as in go-containerregistry's transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "net/netrc.h"

namespace stowage::net {

// Response or request headers, in order; names compared case-insensitively by header().
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (any case), or "".
std::string header_value(const Headers& headers, std::string_view name);

// A request body read once, front to back. read() fills up to buf.size() bytes and returns
// how many; 0 means the end. It may throw; the exception ends the request and reaches the
// caller of HttpClient::send().
class ByteReader {
 public:
  virtual ~ByteReader() = default;
  virtual std::size_t read(std::span<std::byte> buf) = 0;
};

// A ByteReader over a string the reader does not own.
class StringReader : public ByteReader {
 public:
  explicit StringReader(std::string_view data) : data_(data) {}
  std::size_t read(std::span<std::byte> buf) override;

 private:
  std::string_view data_;
};

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  // Makes a fresh reader over the body, so that a layer above can send the request again
  // (after a 401, a 503...). Empty = no body. The body is `body_size` bytes exactly
  // (sent as Content-Length; a reader yielding a different count fails the request), or, with
  // kUnknownSize, whatever the reader yields (sent with chunked transfer encoding).
  std::function<std::unique_ptr<ByteReader>()> body;
  std::int64_t body_size = 0;
  static constexpr std::int64_t kUnknownSize = -1;
  // Receives the response body of a 2xx response as it arrives (blobs: never buffered).
  // Empty = the body is collected into Response::body. Non-2xx bodies are always collected
  // (they carry the registry's error) and never reach the sink. May throw.
  std::function<void(std::span<const std::byte>)> sink;
  // Follow redirects (blob GETs are redirected to storage by many registries; index files to
  // CDNs), at most kMaxRedirects, to http and https only; see redirect.h for what each hop
  // keeps. Off: a redirect is returned like any other response.
  bool follow_redirects = false;
  // Called with each redirect's target URL before it is requested; throwing refuses the hop
  // (the exception reaches the caller of send()). Lets a layer above apply its own rule about
  // where requests may go, such as the registry transport's origin rule.
  std::function<void(const std::string& url)> check_redirect;
  // Send "Accept-Encoding" with every encoding libcurl can decode, and hand decoded bytes to
  // the caller. Off by default: a blob's bytes are checked against its digest as sent.
  bool decode_content = false;
};

struct Response {
  long status = 0;
  Headers headers;
  std::string body;             // see Request::sink; capped at kMaxCollectedBody
  std::string url;              // the URL that finally answered (after redirects)
  std::int64_t bytes_sent = 0;  // request body bytes that went out

  std::string header(std::string_view name) const { return header_value(headers, name); }
  bool ok() const { return status >= 200 && status < 300; }
};

// A collected (non-sink) response body larger than this is an error: documents a registry
// returns (manifests, configs, errors, tokens) are small, and stowage refuses to buffer more.
inline constexpr std::size_t kMaxCollectedBody = 64 << 20;

// The request could not complete: connection refused or reset, TLS failure, timeout, stall,
// a redirect that is not followed. The message names the URL (redacted, without its query)
// and the cause, never headers (they may carry credentials).
class NetworkError : public Error {
 public:
  enum class Kind {
    transient,             // may work when tried again: refused, reset, timed out, stalled
    certificate_rejected,  // TLS is spoken but the certificate did not verify
    permanent,             // trying again cannot help: bad URL, refused redirect, protocol
  };
  // `what` is the whole message; `cause` the failure alone ("Connection refused"), for callers
  // that word their own message; empty = `what`.
  explicit NetworkError(std::string what, Kind kind = Kind::transient, std::string cause = {})
      : Error(what), kind_(kind), cause_(cause.empty() ? std::move(what) : std::move(cause)) {}
  bool transient() const { return kind_ == Kind::transient; }
  // The server speaks TLS but its certificate did not verify (unknown CA, wrong name, expired).
  bool certificate_rejected() const { return kind_ == Kind::certificate_rejected; }
  const std::string& cause() const { return cause_; }

 private:
  Kind kind_;
  std::string cause_;
};

// How long one request may take, so that a server trickling bytes cannot hold stowage forever
// (the stall timeout only catches silence). Two rules, both failing the request with a
// transient NetworkError that names the host and the rule:
//   - a deadline: `base` plus the body size divided by `min_rate`, the size being the larger
//     of the request's and the response's (as announced, or as moved so far when unknown);
//   - a minimum average rate: while a body is moving (not while the server works between the
//     last byte sent and the first byte of its answer, which the stall timeout bounds), fewer
//     than `min_rate` × `window` bytes in any `window`.
struct TransferLimits {
  // Longer than the connection budget (30 s) plus the stall timeout (120 s, which covers a
  // registry verifying a multi-GiB blob after its last byte), so the deadline never fails an
  // honest request before the stall rule would; short enough that a CI job hears about a
  // hung server within minutes, not at its own time limit.
  std::chrono::milliseconds base{std::chrono::minutes(5)};
  // Bytes per second, 64 KiB/s (0.5 Mbit/s per connection). An honest slow CI link passes
  // with room: 20 Mbit/s shared by a push's 4 parallel uploads is ~600 KiB/s each. Slower than
  // this a 10 GiB model takes 45 hours, past any CI job's limit: broken, not slow.
  std::int64_t min_rate = 64 << 10;
  // The averaging window: long enough to ride out TCP loss recovery and a registry's storage
  // pausing a connection for tens of seconds (an S3 part flush, a GC pause); half the stall
  // timeout, so a dripping server fails within about a minute.
  std::chrono::milliseconds window{std::chrono::seconds(60)};
};

struct HttpOptions {
  // Sent on every request.
  std::string user_agent;
  // Extra CA certificates (PEM) trusted on top of the system's; empty = system CAs only.
  std::filesystem::path ca_file;
  // Connection set-up budget.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  // A transfer that moves no byte for this long is a stall and fails with NetworkError. Long
  // enough for a registry to verify a multi-GiB blob after its last byte arrived.
  std::chrono::milliseconds stall_timeout{std::chrono::seconds(120)};
  // The deadline and minimum average rate of every request (each redirect hop on its own).
  TransferLimits limits;
  // Logins sent (HTTP Basic) to the hosts they are written down for, on requests that carry
  // neither an Authorization header nor credentials in their URL. Empty (the default) = none:
  // registries have their own keychain; package indexes use Netrc::load(default_path()).
  Netrc netrc;
};

class HttpClient {
 public:
  // Throws Error if `options.ca_file` is set but unreadable.
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request (one per hop when following redirects). Returns any HTTP status
  // (4xx/5xx are not exceptions here). Throws NetworkError when no complete response arrived,
  // and rethrows whatever the request's body reader or sink threw. Safe to call from several
  // threads at once.
  Response send(const Request& request);

  const HttpOptions& options() const { return options_; }

 private:
  struct Handle;
  Response perform(Handle& handle, const Request& request);
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);

  HttpOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace stowage::net
