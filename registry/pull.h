// Reading images from a registry: a reference resolves to an index (when there is one), the
// manifest for the wanted platform, and the image config. Layers are fetched only on request,
// so a build on top of a base image downloads two small documents, not gigabytes.
//
// Every document and blob is verified against the digest (and size) that points at it: the
// reference's digest, the index entry, the manifest's config and layer descriptors, and the
// registry's Docker-Content-Digest header. OCI and Docker schema 2 media types are accepted.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "layers/blob_store.h"
#include "layers/image.h"
#include "registry/client.h"
#include "registry/reference.h"

namespace stowage::registry {

// A manifest or index exactly as the registry served it.
struct RemoteDocument {
  layers::Descriptor descriptor;  // media type, digest and size of `raw`
  std::string raw;
};

struct RemoteImage {
  // The reference asked for, pinned to the platform manifest's digest.
  Reference reference;
  // The index or manifest list the reference named, when it named one.
  std::optional<RemoteDocument> index;
  // The platform's manifest: its descriptor and raw bytes (push them as they are to copy the
  // image without changing its digest), and the parsed value.
  RemoteDocument manifest_document;
  layers::Manifest manifest;
  // The config blob's raw bytes and parsed value.
  std::string raw_config;
  layers::ImageConfig config;
};

// Fetches the manifest or index `ref` names (by digest when it has one, else by tag) without
// following an index. Throws Error (404: no such image; a digest mismatch: the registry served
// something else).
RemoteDocument fetch_manifest(Client& client, const Reference& ref);

// Resolves `ref` to one platform's image: index → manifest for `platform` → config. This is
// what `stowage inspect REF` shows and what a build reads from its base image. Throws Error
// when the index has no manifest for `platform` (naming the platforms it has).
//
// With `cache`, every document named by a digest (the manifest or index of a reference pinned
// by digest, the platform manifest an index names, the config) is read from `cache` when it is
// there, verified as BlobStore::read does, and what is fetched is kept there. So a repeated
// resolve asks the registry only what a tag points at, and nothing at all (not even a ping)
// for a reference pinned by digest. A tag is always asked: it may have moved.
RemoteImage fetch_image(Client& client, const Reference& ref, const layers::Platform& platform = {},
                        const layers::BlobStore* cache = nullptr);

// Streams `blob` from the repository of `repository` into `store`, verifying its size and
// digest before it becomes visible there; does nothing when `store` already has it. Network
// failures are retried from the start per the client's retry policy. Throws Error.
void fetch_blob(Client& client, const Reference& repository, const layers::Descriptor& blob,
                const layers::BlobStore& store);

// fetch_blob() for every layer of `image`, `parallelism` at a time (default 4).
void fetch_layers(Client& client, const RemoteImage& image, const layers::BlobStore& store,
                  int parallelism = 4);

// Accept header value for manifest requests: OCI and Docker, manifests and indexes.
std::string manifest_accept_header();

}  // namespace stowage::registry
