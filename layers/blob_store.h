// A content-addressed store of blobs: <root>/blobs/sha256/<hex>.
//
// Invariants: a blob is visible under its digest only once it is complete, synced and its
// digest verified; two processes writing the same blob at once both succeed; readers verify
// digests, so a corrupted blob is detected rather than served.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/file.h"
#include "layers/compressor.h"
#include "layers/digest.h"

namespace stowage::layers {

class BlobStore {
 public:
  // Uses (and creates if needed) <root>/blobs/sha256.
  explicit BlobStore(std::filesystem::path root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path path_of(const Digest& digest) const;
  bool has(const Digest& digest) const;
  // Size of a present blob, or nullopt.
  std::optional<std::int64_t> size_of(const Digest& digest) const;

  // A streaming writer. Bytes written are hashed as they go; commit() makes the blob visible
  // under its digest. Destroying a writer without commit() removes its temporary file.
  // Large blobs are written to disk by a background thread, in 4 MiB blocks with direct I/O
  // where the file system allows it, while the caller's thread hashes: disk writes overlap
  // hashing and bypass the page cache. Memory is bounded (16 MiB of blocks) whatever the
  // blob's size. Not thread-safe: one writer is used by one thread at a time.
  class Writer : public ByteSink {
   public:
    void write(std::span<const std::byte> data) override;
    // Same as commit(); satisfies ByteSink so a Writer can end a pipeline.
    void finish() override;
    // Commits the blob. With `expected`, throws Error (and keeps nothing) on a mismatch.
    Digest commit(const std::optional<Digest>& expected = std::nullopt);
    std::int64_t size() const { return size_; }
    // The digest once committed.
    const std::optional<Digest>& digest() const { return digest_; }
    ~Writer() override;

   private:
    friend class BlobStore;
    explicit Writer(const BlobStore& store);
    // The digest of everything written; no write may follow. Lets import_from() judge the
    // content before anything is committed.
    const Digest& content_digest();
    const BlobStore& store_;
    struct Spool;
    std::unique_ptr<AtomicFile> file_;
    std::unique_ptr<Spool> spool_;
    Sha256 hash_;
    std::int64_t size_ = 0;
    std::optional<Digest> content_digest_;
    std::optional<Digest> digest_;
  };
  std::unique_ptr<Writer> begin_write() const;

  // Stores a small blob (config, manifest) and returns its digest.
  Digest put(std::string_view data) const;
  // Reads a whole small blob, verifying its digest; throws Error if missing or corrupted.
  // Blobs are never read through a symlink, here or in open().
  std::string read(const Digest& digest) const;
  // Opens a blob for streaming. The caller verifies (e.g. by hashing as it reads).
  UniqueFd open(const Digest& digest) const;
  // Re-hashes a blob; throws Error naming the blob when its content does not match.
  void verify(const Digest& digest) const;
  // Copies a blob of `other`, a store that stowage did not fill itself (an OCI layout given as
  // input), into this one and verifies it on the way: the source is opened without following
  // a symlink, must be a regular file of `size` bytes, and is hashed while it is copied. So
  // nothing unverified ever enters this store, and a later change to the source cannot reach
  // it (a hard link would share the attacker's inode). Nothing is read when this store holds
  // the blob already. Throws InputError naming the file and the digest when the source is not
  // that blob, Error on I/O failure.
  void import_from(const BlobStore& other, const Digest& digest, std::int64_t size) const;
  // Hard-links a blob of `trusted`, a store whose blobs were verified when they entered it
  // (stowage's cache), into this one; across file systems it is copied, and hashed. The source
  // must be a regular file, not a symlink. Throws Error.
  void link_from(const BlobStore& trusted, const Digest& digest) const;

 private:
  std::filesystem::path root_;
  std::filesystem::path dir_;
};

}  // namespace stowage::layers
