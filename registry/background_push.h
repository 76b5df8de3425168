// Pushing an image's blobs while the image is still being built.
//
// A cold build + push of a large model is bound by the registry's ingest rate, not by building:
// hashing runs at GB/s, a registry ingests a few hundred MB/s. Handing each blob over as soon as
// it is committed makes the registry the only wait. The manifest is still pushed last, by
// push_image() given finish()'s reports, so a tag never points at a partial image.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "registry/push.h"

namespace stowage::registry {

class BackgroundPush {
 public:
  // Pushes to `target`'s repository from `sources` (as push_image does: HEAD, cross-repository
  // mount, upload from the first source that has the blob), up to options.parallelism blobs
  // at once. `client` must outlive this object.
  BackgroundPush(Client& client, Reference target, std::vector<std::shared_ptr<BlobSource>> sources,
                 PushOptions options);
  // Without finish(): blobs not started are dropped, transfers under way are waited for.
  ~BackgroundPush();
  BackgroundPush(const BackgroundPush&) = delete;
  BackgroundPush& operator=(const BackgroundPush&) = delete;

  // Queues `blob`, whose bytes must already be in one of the sources. Thread-safe. A digest
  // handed over twice is pushed once. After a failure, later blobs are not started.
  void add(const layers::Descriptor& blob);

  // Records a blob pushed by other means (a StreamingUpload), so finish() reports it and a
  // later add() of the same digest does nothing. Thread-safe.
  void add_pushed(const BlobReport& report);

  // Waits for every queued blob; returns one report per distinct digest, in the order they
  // were added. Rethrows the first failure (an Error from the push). Call at most once.
  std::vector<BlobReport> finish();

 private:
  void work();

  Client& client_;
  Reference target_;
  std::vector<std::shared_ptr<BlobSource>> sources_;
  PushOptions options_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::size_t> queue_;  // indexes into reports_ not yet started
  std::vector<BlobReport> reports_;
  std::size_t running_ = 0;
  bool closing_ = false;
  std::exception_ptr failure_;
  std::vector<std::jthread> workers_;  // last: joined before the state above goes away
};

}  // namespace stowage::registry
