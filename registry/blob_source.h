// Where the blobs of an image being pushed come from.
//
// A built image has some blobs on local disk (new layers, the config) and some only in the
// base image's repository (base layers that were never downloaded). push_image() asks its
// sources in order; a registry source also offers a cross-repository mount, which copies
// nothing when the base is on the target registry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "layers/blob_store.h"
#include "layers/image.h"
#include "net/http_client.h"
#include "registry/client.h"
#include "registry/reference.h"

namespace stowage::registry {

class BlobSource {
 public:
  virtual ~BlobSource() = default;
  // Names the source in messages: "blob store /x", "registry repository ghcr.io/org/base".
  virtual std::string describe() const = 0;
  // True when the source can provide `blob`.
  virtual bool has(const layers::Descriptor& blob) const = 0;
  // Opens `length` bytes of `blob` starting at `offset`. The reader throws Error when the
  // bytes cannot be read. Streams: nothing is staged in memory or on disk.
  virtual std::unique_ptr<net::ByteReader> open(const layers::Descriptor& blob, std::int64_t offset,
                                                std::int64_t length) = 0;
  // The repository a registry could mount `blob` from, when this source is one.
  virtual std::optional<Reference> mount_from() const { return std::nullopt; }
};

// Blobs in a directory laid out as <root>/blobs/sha256/<hex>: a layers::BlobStore root or an
// OCI image layout (both use that layout).
class LocalBlobSource final : public BlobSource {
 public:
  explicit LocalBlobSource(std::filesystem::path root);
  explicit LocalBlobSource(const layers::BlobStore& store) : LocalBlobSource(store.root()) {}

  std::string describe() const override;
  // True when the file exists with the descriptor's size.
  bool has(const layers::Descriptor& blob) const override;
  std::unique_ptr<net::ByteReader> open(const layers::Descriptor& blob, std::int64_t offset,
                                        std::int64_t length) override;

 private:
  std::filesystem::path path_of(const layers::Descriptor& blob) const;
  std::filesystem::path root_;
};

// Blobs of another repository, possibly on another registry: the base image's. Claims every
// blob (the base's manifest listed them); reading one streams it with a ranged GET while the
// push uploads it, so a blob copied between registries never touches the disk.
class RegistryBlobSource final : public BlobSource {
 public:
  // `client` must outlive the source. The tag or digest of `repository` is ignored.
  RegistryBlobSource(Client& client, Reference repository);

  std::string describe() const override;
  bool has(const layers::Descriptor&) const override { return true; }
  std::unique_ptr<net::ByteReader> open(const layers::Descriptor& blob, std::int64_t offset,
                                        std::int64_t length) override;
  std::optional<Reference> mount_from() const override { return repository_; }

 private:
  Client& client_;
  Reference repository_;
};

}  // namespace stowage::registry
