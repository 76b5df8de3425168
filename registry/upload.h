// Uploading one blob (the distribution spec's "pushing blobs"), resumably.
//
// Monolithic by default: one POST opens an upload session and one PUT streams the whole blob
// and commits it. With a chunk size, PATCHes of at most that many bytes (with Content-Range)
// serve registries and proxies that cap request sizes, then an empty PUT commits. When a
// request fails half-way (dropped connection, 5xx, a stall), the session's status (GET → Range)
// says how much the registry kept and the upload resumes from there; a session the registry
// no longer knows (distribution invalidates one that received a partial request) is replaced
// by a fresh one from byte 0.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "layers/image.h"
#include "registry/blob_source.h"
#include "registry/transport/registry_transport.h"

namespace stowage::registry {

// Called as bytes of a blob go out: (blob digest, bytes of it sent so far, its size). Called
// from upload threads, so it must be thread-safe. After a resume the count goes back.
using ProgressCallback =
    std::function<void(const layers::Digest& blob, std::int64_t done, std::int64_t total)>;

struct UploadOptions {
  // 0 = monolithic (one PUT); otherwise the largest PATCH body, in bytes.
  std::int64_t chunk_size = 0;
  ProgressCallback progress;
};

// Uploads `blob` from `source` into `repository` on `transport`'s registry. `session` is an
// upload session URL already opened (by a mount attempt that fell back to an upload); empty =
// open one. Returns the bytes sent over the wire, resends included. Throws Error once the
// retry policy gives up or the registry rejects the blob (e.g. its digest does not match).
std::int64_t upload_blob(transport::RegistryTransport& transport, const std::string& repository,
                         const layers::Descriptor& blob, BlobSource& source,
                         std::optional<std::string> session, const UploadOptions& options);

}  // namespace stowage::registry
