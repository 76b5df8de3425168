#include "registry/blob_source.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/file.h"
#include "registry/transport/error.h"

namespace stowage::registry {
namespace {

// Reads [offset, offset + length) of a file with pread.
class FileRangeReader final : public net::ByteReader {
 public:
  FileRangeReader(const std::filesystem::path& path, std::int64_t offset, std::int64_t length)
      : path_(path), fd_(open_for_reading(path)), offset_(offset), left_(length) {}

  std::size_t read(std::span<std::byte> buf) override {
    std::size_t want = static_cast<std::size_t>(
        std::min<std::int64_t>(left_, static_cast<std::int64_t>(buf.size())));
    while (want > 0) {
      ssize_t n = ::pread(fd_.get(), buf.data(), want, offset_);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        throw Error("cannot read " + path_.string() + ": " + errno_text(errno));
      if (n == 0)
        throw Error(path_.string() + " is shorter than its descriptor says");
      offset_ += n;
      left_ -= n;
      return static_cast<std::size_t>(n);
    }
    return 0;
  }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
  std::int64_t offset_;
  std::int64_t left_;
};

// Hands the body of a GET running on a background thread to read(), through a bounded buffer:
// memory stays at kBufferLimit however large the blob.
class RemoteRangeReader final : public net::ByteReader {
 public:
  static constexpr std::size_t kBufferLimit = 8 << 20;

  RemoteRangeReader(transport::RegistryTransport& transport, net::Request request,
                    std::string scope, std::string what)
      : what_(std::move(what)) {
    request.sink = [this](std::span<const std::byte> data) { push(data); };
    thread_ = std::thread(
        [this, &transport, request = std::move(request), scope = std::move(scope)]() mutable {
          try {
            response_ = transport.send(std::move(request), {scope}, /*retry=*/true);
          } catch (...) {
            error_ = std::current_exception();
          }
          std::lock_guard lock(mutex_);
          done_ = true;
          changed_.notify_all();
        });
  }

  ~RemoteRangeReader() override {
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      changed_.notify_all();
    }
    thread_.join();
  }

  std::size_t read(std::span<std::byte> buf) override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !buffer_.empty() || done_; });
    if (buffer_.empty()) {
      if (error_)
        std::rethrow_exception(error_);
      if (!response_.ok())
        throw transport::registry_error(response_, what_);
      return 0;
    }
    std::size_t n = std::min(buf.size(), buffer_.size());
    std::copy_n(buffer_.begin(), n, buf.begin());
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
    changed_.notify_all();
    return n;
  }

 private:
  void push(std::span<const std::byte> data) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return buffer_.size() < kBufferLimit || cancelled_; });
    if (cancelled_)
      throw Error(what_ + ": cancelled");
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    changed_.notify_all();
  }

  std::string what_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::byte> buffer_;
  bool done_ = false;
  bool cancelled_ = false;
  net::Response response_;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace

LocalBlobSource::LocalBlobSource(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path LocalBlobSource::path_of(const layers::Descriptor& blob) const {
  return root_ / "blobs" / "sha256" / std::string(blob.digest.hex());
}

std::string LocalBlobSource::describe() const {
  return "blob store " + root_.string();
}

bool LocalBlobSource::has(const layers::Descriptor& blob) const {
  std::error_code ec;
  auto size = std::filesystem::file_size(path_of(blob), ec);
  return !ec && static_cast<std::int64_t>(size) == blob.size;
}

std::unique_ptr<net::ByteReader> LocalBlobSource::open(const layers::Descriptor& blob,
                                                       std::int64_t offset, std::int64_t length) {
  return std::make_unique<FileRangeReader>(path_of(blob), offset, length);
}

RegistryBlobSource::RegistryBlobSource(Client& client, Reference repository)
    : client_(client), repository_(std::move(repository)) {}

std::string RegistryBlobSource::describe() const {
  return "registry repository " + repository_.name();
}

std::unique_ptr<net::ByteReader> RegistryBlobSource::open(const layers::Descriptor& blob,
                                                          std::int64_t offset,
                                                          std::int64_t length) {
  net::Request req;
  req.url = "/v2/" + repository_.repository() + "/blobs/" + blob.digest.str();
  req.follow_redirects = true;
  if (offset != 0 || length != blob.size) {
    req.headers.emplace_back(
        "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  }
  return std::make_unique<RemoteRangeReader>(
      client_.transport(repository_), std::move(req),
      transport::pull_scope(repository_.repository()),
      "reading blob " + blob.digest.str() + " from " + repository_.name());
}

}  // namespace stowage::registry
