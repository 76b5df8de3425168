#include "registry/background_push.h"

#include <algorithm>

#include "core/error.h"

namespace stowage::registry {

BackgroundPush::BackgroundPush(Client& client, Reference target,
                               std::vector<std::shared_ptr<BlobSource>> sources,
                               PushOptions options)
    : client_(client),
      target_(std::move(target)),
      sources_(std::move(sources)),
      options_(std::move(options)) {}

BackgroundPush::~BackgroundPush() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  workers_.clear();  // joins
}

void BackgroundPush::add(const layers::Descriptor& blob) {
  {
    std::lock_guard lock(mutex_);
    if (failure_ || closing_)
      return;
    for (const auto& r : reports_) {
      if (r.blob.digest == blob.digest)
        return;
    }
    reports_.push_back({blob, BlobOutcome::present, 0, {}});
    queue_.push_back(reports_.size() - 1);
    // One worker per blob in flight, up to the parallelism; idle workers pick up new blobs.
    std::size_t busy = running_ + queue_.size();
    if (workers_.size() < busy &&
        workers_.size() < static_cast<std::size_t>(std::max(1, options_.parallelism))) {
      workers_.emplace_back([this] { work(); });
    }
  }
  changed_.notify_one();
}

void BackgroundPush::add_pushed(const BlobReport& report) {
  std::lock_guard lock(mutex_);
  for (const auto& r : reports_) {
    if (r.blob.digest == report.blob.digest)
      return;
  }
  reports_.push_back(report);
}

void BackgroundPush::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return closing_ || !queue_.empty(); });
    if (queue_.empty())
      return;  // closing
    std::size_t i = queue_.front();
    queue_.pop_front();
    ++running_;
    layers::Descriptor blob = reports_[i].blob;
    lock.unlock();
    std::optional<BlobReport> report;
    std::exception_ptr error;
    try {
      report = push_blob(client_, target_, blob, sources_, options_);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    --running_;
    if (report)
      reports_[i] = *report;
    if (error && !failure_) {
      failure_ = error;
      queue_.clear();
    }
    changed_.notify_all();
  }
}

std::vector<BlobReport> BackgroundPush::finish() {
  {
    std::unique_lock lock(mutex_);
    if (closing_)
      throw Error("background push: finish() called twice");
    changed_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
    closing_ = true;
  }
  changed_.notify_all();
  workers_.clear();
  if (failure_)
    std::rethrow_exception(failure_);
  return reports_;
}

}  // namespace stowage::registry
