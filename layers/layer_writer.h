// The one-pass layer pipeline:
//   entries → TarWriter → SHA-256 (diffID) → compressor → SHA-256 (digest) → BlobStore blob
// No uncompressed copy is ever written and memory does not grow with the layer's size.
#pragma once

#include <cstdint>
#include <memory>

#include "layers/blob_store.h"
#include "layers/compressor.h"
#include "layers/image.h"
#include "layers/tar_writer.h"

namespace stowage::layers {

struct LayerResult {
  Descriptor descriptor;  // compressed blob: media type, digest, size
  Digest diff_id;         // SHA-256 of the uncompressed tar
  std::int64_t uncompressed_size = 0;
  std::int64_t content_bytes_read = 0;  // file bytes read from the host
};

class LayerWriter {
 public:
  // `tap`, when given, receives a copy of the blob's bytes as they are written (e.g. to upload
  // the blob while it is built), and its finish() when the last byte was written, just before
  // the blob is committed. The caller owns it; it must outlive the writer.
  LayerWriter(const BlobStore& store, const CompressionOptions& compression, TarOptions tar,
              ByteSink* tap = nullptr);
  ~LayerWriter();
  LayerWriter(const LayerWriter&) = delete;
  LayerWriter& operator=(const LayerWriter&) = delete;

  // Adds an entry (see TarWriter::add for the rules).
  void add(const TarEntry& entry);
  // Ends the archive and commits the blob. Without finish(), nothing is committed.
  LayerResult finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Stores an existing uncompressed tar file (a rootfs tarball) as a layer blob, compressing
// it on the way. Its bytes are kept exactly, so the diffID is the file's own SHA-256.
LayerResult import_tar(const BlobStore& store, const std::filesystem::path& tar_file,
                       const CompressionOptions& compression);

}  // namespace stowage::layers
