// A small HTTP/1.1 client over libcurl: streaming bodies both ways, connection reuse, TLS
// verified by default.
//
// One HttpClient is shared by every thread of a push. It keeps a pool of curl handles, so
// consecutive requests to the same host reuse kept-alive connections, and parallel requests
// each get their own. Nothing here retries or authenticates: those are separate layers
// (retry.h, registry_transport.h) stacked on top, as in go-containerregistry's transport.
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

namespace stowage::net {

// Response or request headers, in order; names compared case-insensitively by header().
using Headers = std::vector<std::pair<std::string, std::string>>;

// The first value of header `name` (any case), or "".
std::string header_value(const Headers& headers, std::string_view name);

// Resolves a Location header value (absolute, or relative as some registries send it) against
// the URL of the request that returned it. Throws Error when it cannot be parsed.
std::string resolve_url(const std::string& base, const std::string& location);

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
  // Follow redirects (blob GETs are redirected to storage by many registries).
  bool follow_redirects = false;
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

// The request could not complete: connection refused or reset, TLS failure, timeout, stall.
// The message names the URL's host and the cause, never headers (they may carry credentials).
class NetworkError : public Error {
 public:
  explicit NetworkError(std::string what, bool certificate_rejected = false)
      : Error(std::move(what)), certificate_rejected_(certificate_rejected) {}
  // The server speaks TLS but its certificate did not verify (unknown CA, wrong name, expired).
  bool certificate_rejected() const { return certificate_rejected_; }

 private:
  bool certificate_rejected_;
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
};

class HttpClient {
 public:
  // Throws Error if `options.ca_file` is set but unreadable.
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request. Returns any HTTP status (4xx/5xx are not exceptions here). Throws
  // NetworkError when no complete response arrived, and rethrows whatever the request's body
  // reader or sink threw. Safe to call from several threads at once.
  Response send(const Request& request);

  const HttpOptions& options() const { return options_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);

  HttpOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace stowage::net
