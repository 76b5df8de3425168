// Uploading a blob while it is being produced, before its digest is known.
//
// The bytes go out as one chunked PATCH into an upload session as the producer writes them
// (through a small bounded buffer: the producer waits when the registry is slower), and
// commit() then closes the session with PUT ?digest=. This takes the build off the critical
// path of a cold push: the registry's ingest is the only wait.
//
// Streaming gives up the HEAD check before uploading (the digest is not known yet), so it is
// only worth it where the registry cannot have the blob: see repository_is_new(). It is best
// effort: when the stream fails for any reason (a dropped connection, a registry that refuses
// chunked PATCHes or a session), commit() says so and the caller pushes the committed blob the
// ordinary, resumable way (push_blob).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "layers/compressor.h"
#include "registry/push.h"

namespace stowage::registry {

// True when `target`'s repository holds no tags (the registry answers 404 or an empty list
// for its tag list), so a blob built just now cannot be there unless an earlier push was cut
// short. False on any other answer, including errors: then blobs are checked before upload.
bool repository_is_new(Client& client, const Reference& target);

class StreamingUpload final : public layers::ByteSink {
 public:
  // Opens an upload session in `target`'s repository and starts sending on a thread of its
  // own. `client` must outlive this object.
  StreamingUpload(Client& client, Reference target);
  // Without commit(): the upload is abandoned (the session is left for the registry to purge).
  ~StreamingUpload() override;
  StreamingUpload(const StreamingUpload&) = delete;
  StreamingUpload& operator=(const StreamingUpload&) = delete;

  // The next bytes of the blob. Blocks while the buffer is full; once the upload has failed,
  // the bytes are dropped (the blob itself is written elsewhere).
  void write(std::span<const std::byte> data) override;
  // The end of the blob's bytes.
  void finish() override;

  // After finish(): commits the session as `blob` (whose bytes must be exactly what was
  // written). Returns the report (outcome uploaded), or nullopt when the stream failed; the
  // blob then still has to be pushed. Never throws for registry or network failures.
  std::optional<BlobReport> commit(const layers::Descriptor& blob);

 private:
  class Reader;
  void send();

  Client& client_;
  Reference target_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::byte> ring_;  // bytes written, not yet sent: buffered_ bytes from head_
  std::size_t head_ = 0;
  std::size_t buffered_ = 0;
  bool finished_ = false;       // no more bytes will come
  bool producer_gone_ = false;  // destroyed before finish(): fail the PATCH
  bool consumer_done_ = false;  // the PATCH has returned (ok_ says how)
  bool ok_ = false;
  std::string location_;  // the session after the PATCH
  std::int64_t bytes_sent_ = 0;
  std::thread thread_;  // last: started once the state above exists
};

}  // namespace stowage::registry
