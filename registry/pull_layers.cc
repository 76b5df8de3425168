#include "core/thread_pool.h"
#include "registry/pull.h"
#include "registry/transport/error.h"

namespace stowage::registry {

using net::Request;
using net::Response;

void fetch_blob(Client& client, const Reference& repository, const layers::Descriptor& blob,
                const layers::BlobStore& store) {
  if (store.has(blob.digest))
    return;
  auto& t = client.transport(repository);
  net::Backoff backoff(t.retry_policy());
  while (true) {
    auto writer = store.begin_write();
    Request req;
    req.url = "/v2/" + repository.repository() + "/blobs/" + blob.digest.str();
    req.follow_redirects = true;
    req.sink = [&writer](std::span<const std::byte> data) { writer->write(data); };
    Response r;
    try {
      // Retried here rather than in the transport: a failed attempt has already written part
      // of the blob, so each attempt starts a fresh writer.
      r = t.send(req, {transport::pull_scope(repository.repository())}, /*retry=*/false);
    } catch (const net::NetworkError&) {
      if (backoff.wait_before_retry())
        continue;
      throw;
    }
    if (net::is_retryable_status(r.status) &&
        backoff.wait_before_retry(net::parse_retry_after(r.header("Retry-After")))) {
      continue;
    }
    std::string what = "fetching blob " + blob.digest.str() + " of " + repository.name();
    if (!r.ok())
      throw transport::registry_error(r, what);
    if (writer->size() != blob.size) {
      throw Error(what + ": got " + std::to_string(writer->size()) + " bytes instead of " +
                  std::to_string(blob.size));
    }
    writer->commit(blob.digest);
    return;
  }
}

void fetch_layers(Client& client, const RemoteImage& image, const layers::BlobStore& store,
                  int parallelism) {
  parallel_for(image.manifest.layers.size(), parallelism, [&](std::size_t i) {
    fetch_blob(client, image.reference, image.manifest.layers[i], store);
  });
}

}  // namespace stowage::registry
