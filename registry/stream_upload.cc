#include "registry/stream_upload.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "net/url.h"
#include "registry/transport/error.h"

namespace stowage::registry {
namespace {

using net::Request;
using net::Response;

// Enough to keep the connection busy while the producer reads its next block; small enough
// that memory stays flat whatever the blob's size.
constexpr std::size_t kBufferLimit = 4 << 20;

}  // namespace

bool repository_is_new(Client& client, const Reference& target) {
  try {
    auto& t = client.transport(target);
    Request req;
    req.url = "/v2/" + target.repository() + "/tags/list";
    Response r = t.send(req, {transport::pull_scope(target.repository())});
    if (r.status == 404)
      return true;
    if (r.status != 200)
      return false;
    auto j = nlohmann::json::parse(r.body);
    return !j.contains("tags") || j["tags"].is_null() || j["tags"].empty();
  } catch (const std::exception&) {
    return false;
  }
}

// The PATCH body: what the producer wrote, as it comes.
class StreamingUpload::Reader final : public net::ByteReader {
 public:
  explicit Reader(StreamingUpload& up) : up_(up) {}
  std::size_t read(std::span<std::byte> buf) override {
    std::unique_lock lock(up_.mutex_);
    up_.changed_.wait(lock,
                      [this] { return up_.buffered_ > 0 || up_.finished_ || up_.producer_gone_; });
    if (up_.buffered_ == 0) {
      if (up_.finished_)
        return 0;
      throw Error("the blob being streamed was abandoned");
    }
    // The contiguous run from head_, up to the end of the ring.
    std::size_t n = std::min({buf.size(), up_.buffered_, up_.ring_.size() - up_.head_});
    std::memcpy(buf.data(), up_.ring_.data() + up_.head_, n);
    up_.head_ = (up_.head_ + n) % up_.ring_.size();
    up_.buffered_ -= n;
    up_.bytes_sent_ += static_cast<std::int64_t>(n);
    up_.changed_.notify_all();
    return n;
  }

 private:
  StreamingUpload& up_;
};

StreamingUpload::StreamingUpload(Client& client, Reference target)
    : client_(client), target_(std::move(target)), ring_(kBufferLimit) {
  thread_ = std::thread([this] { send(); });
}

StreamingUpload::~StreamingUpload() {
  {
    std::lock_guard lock(mutex_);
    producer_gone_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void StreamingUpload::send() {
  bool ok = false;
  std::string location;
  try {
    auto& t = client_.transport(target_);
    std::vector<std::string> scopes = {transport::push_scope(target_.repository())};
    Request open;
    open.method = "POST";
    open.url = "/v2/" + target_.repository() + "/blobs/uploads/";
    Response session = t.send(open, scopes);
    if (session.status == 202 && !session.header("Location").empty()) {
      Request patch;
      patch.method = "PATCH";
      patch.url = net::resolve_url(session.url, session.header("Location"));
      patch.headers.emplace_back("Content-Type", "application/octet-stream");
      patch.body_size = Request::kUnknownSize;
      bool opened = false;
      patch.body = [this, &opened]() -> std::unique_ptr<net::ByteReader> {
        // The bytes go by once: a request that has to be sent again cannot be.
        if (opened)
          throw Error("a streamed blob cannot be sent twice");
        opened = true;
        return std::make_unique<Reader>(*this);
      };
      Response r = t.send(std::move(patch), scopes, /*retry=*/false);
      if (r.status == 202) {
        ok = true;
        location =
            r.header("Location").empty() ? r.url : net::resolve_url(r.url, r.header("Location"));
      }
    }
  } catch (const std::exception&) {
    ok = false;  // commit() reports it; the caller pushes the committed blob instead
  }
  {
    std::lock_guard lock(mutex_);
    consumer_done_ = true;
    ok_ = ok;
    location_ = std::move(location);
    buffered_ = 0;
  }
  changed_.notify_all();
}

void StreamingUpload::write(std::span<const std::byte> data) {
  while (!data.empty()) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return consumer_done_ || buffered_ < ring_.size(); });
    if (consumer_done_)
      return;
    // Into the free run after the buffered bytes, up to the end of the ring.
    std::size_t tail = (head_ + buffered_) % ring_.size();
    std::size_t n = std::min({data.size(), ring_.size() - buffered_, ring_.size() - tail});
    std::memcpy(ring_.data() + tail, data.data(), n);
    buffered_ += n;
    data = data.subspan(n);
    lock.unlock();
    changed_.notify_all();
  }
}

void StreamingUpload::finish() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

std::optional<BlobReport> StreamingUpload::commit(const layers::Descriptor& blob) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return consumer_done_; });
  if (!ok_ || !finished_ || bytes_sent_ != blob.size)
    return std::nullopt;
  std::string location = location_;
  std::int64_t sent = bytes_sent_;
  lock.unlock();
  try {
    auto& t = client_.transport(target_);
    Request put;
    put.method = "PUT";
    put.url = location + (location.find('?') == std::string::npos ? "?" : "&") +
              "digest=" + blob.digest.str();
    Response r = t.send(put, {transport::push_scope(target_.repository())}, /*retry=*/false);
    if (r.status != 201)
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return BlobReport{blob, BlobOutcome::uploaded, sent, {}};
}

}  // namespace stowage::registry
