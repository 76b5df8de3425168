#include "registry/upload.h"

#include <charconv>

#include "net/url.h"
#include "registry/transport/error.h"

namespace stowage::registry {
namespace {

using net::Request;
using net::Response;

// Counts bytes as they leave and reports progress.
class CountingReader final : public net::ByteReader {
 public:
  CountingReader(std::unique_ptr<net::ByteReader> inner, std::int64_t start, std::int64_t& sent,
                 const layers::Descriptor& blob, const ProgressCallback& progress)
      : inner_(std::move(inner)), position_(start), sent_(sent), blob_(blob), progress_(progress) {}

  std::size_t read(std::span<std::byte> buf) override {
    std::size_t n = inner_->read(buf);
    position_ += static_cast<std::int64_t>(n);
    sent_ += static_cast<std::int64_t>(n);
    if (progress_ && n > 0)
      progress_(blob_.digest, position_, blob_.size);
    return n;
  }

 private:
  std::unique_ptr<net::ByteReader> inner_;
  std::int64_t position_;
  std::int64_t& sent_;
  const layers::Descriptor& blob_;
  const ProgressCallback& progress_;
};

std::string with_query(const std::string& url, const std::string& param) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + param;
}

// A failure worth resuming from: the attempt may have left part of the blob in the session.
struct Interrupted {
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reason;
};

class Upload {
 public:
  Upload(transport::RegistryTransport& t, const std::string& repository,
         const layers::Descriptor& blob, BlobSource& source, const UploadOptions& options)
      : t_(t),
        repository_(repository),
        blob_(blob),
        source_(source),
        options_(options),
        scopes_{transport::push_scope(repository)},
        what_("uploading blob " + blob.digest.str() + " to " + t.registry() + "/" + repository) {}

  std::int64_t run(std::optional<std::string> session) {
    location_ = session ? *session : open_session();
    net::Backoff backoff(t_.retry_policy());
    while (true) {
      std::optional<Interrupted> interrupted;
      try {
        interrupted = attempt();
      } catch (const net::NetworkError& e) {
        interrupted = Interrupted{std::nullopt, e.reason()};
      }
      if (!interrupted)
        return sent_;
      if (!backoff.wait_before_retry(interrupted->retry_after)) {
        throw Error(what_ + " failed after " + std::to_string(backoff.retries() + 1) +
                        " attempts: " + interrupted->reason,
                    "the registry or the network in between keeps failing; try again later");
      }
      resume();
    }
  }

 private:
  // Sends what is left; nullopt when the blob is committed.
  std::optional<Interrupted> attempt() {
    if (offset_ == 0 && options_.chunk_size <= 0) {
      Response r =
          send_body("PUT", with_query(location_, "digest=" + blob_.digest.str()), 0, blob_.size);
      if (r.status == 201)
        return std::nullopt;
      return failure(r);
    }
    while (offset_ < blob_.size) {
      std::int64_t length = blob_.size - offset_;
      if (options_.chunk_size > 0)
        length = std::min(length, options_.chunk_size);
      Response r = send_body("PATCH", location_, offset_, length);
      if (r.status != 202)
        return failure(r);
      follow(r);
      offset_ += length;
    }
    Request commit;
    commit.method = "PUT";
    commit.url = with_query(location_, "digest=" + blob_.digest.str());
    Response r = t_.send(commit, scopes_, /*retry=*/false);
    if (r.status == 201)
      return std::nullopt;
    return failure(r);
  }

  Response send_body(const std::string& method, const std::string& url, std::int64_t offset,
                     std::int64_t length) {
    Request req;
    req.method = method;
    req.url = url;
    req.headers.emplace_back("Content-Type", "application/octet-stream");
    if (method == "PATCH") {
      req.headers.emplace_back("Content-Range",
                               std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    }
    req.body_size = length;
    req.body = [this, offset, length]() -> std::unique_ptr<net::ByteReader> {
      return std::make_unique<CountingReader>(source_.open(blob_, offset, length), offset, sent_,
                                              blob_, options_.progress);
    };
    // Not retried by the transport: after a partial body only the session's status tells
    // where to go on from; run() does that.
    return t_.send(std::move(req), scopes_, /*retry=*/false);
  }

  std::optional<Interrupted> failure(const Response& r) {
    if (net::is_retryable_status(r.status) || r.status == 416) {
      return Interrupted{net::parse_retry_after(r.header("Retry-After")),
                         "HTTP " + std::to_string(r.status)};
    }
    throw transport::registry_error(r, what_);
  }

  // Takes the session URL the registry handed back (it may carry updated state).
  void follow(const Response& r) {
    if (std::string next = r.header("Location"); !next.empty()) {
      location_ = net::resolve_url(r.url, next);
    }
  }

  std::string open_session() {
    Request req;
    req.method = "POST";
    req.url = "/v2/" + repository_ + "/blobs/uploads/";
    Response r = t_.send(req, scopes_);
    if (r.status != 202 || r.header("Location").empty()) {
      throw transport::registry_error(r, what_ + " (opening an upload session)");
    }
    offset_ = 0;
    return net::resolve_url(r.url, r.header("Location"));
  }

  // Asks the session how much it holds; starts a new session when the registry dropped it.
  void resume() {
    Request status;
    status.url = location_;
    Response r;
    try {
      r = t_.send(status, scopes_);
    } catch (const net::NetworkError&) {
      location_ = open_session();
      return;
    }
    std::string range = r.header("Range");
    auto dash = range.find('-');
    if (r.status != 204 || dash == std::string::npos) {
      location_ = open_session();
      return;
    }
    follow(r);
    // "0-<last byte>"; distribution also answers "0-0" for an empty session, so a single
    // byte is resent rather than skipped.
    std::int64_t last = 0;
    std::string_view end = std::string_view(range).substr(dash + 1);
    // A negative end, or one past the blob (INT64_MAX would overflow `last + 1`), is no
    // session of this blob's.
    if (std::from_chars(end.data(), end.data() + end.size(), last).ec != std::errc() || last < 0 ||
        last >= blob_.size) {
      location_ = open_session();
      return;
    }
    offset_ = last == 0 ? 0 : last + 1;
  }

  transport::RegistryTransport& t_;
  const std::string& repository_;
  const layers::Descriptor& blob_;
  BlobSource& source_;
  const UploadOptions& options_;
  std::vector<std::string> scopes_;
  std::string what_;
  std::string location_;
  std::int64_t offset_ = 0;
  std::int64_t sent_ = 0;
};

}  // namespace

std::int64_t upload_blob(transport::RegistryTransport& transport, const std::string& repository,
                         const layers::Descriptor& blob, BlobSource& source,
                         std::optional<std::string> session, const UploadOptions& options) {
  return Upload(transport, repository, blob, source, options).run(std::move(session));
}

}  // namespace stowage::registry
