#include "layers/layer_writer.h"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <vector>

#include "core/error.h"
#include "core/file.h"

namespace stowage::layers {
namespace {

constexpr std::size_t kReadBlock = 1 << 20;

// Hashes (diffID) and counts the uncompressed stream on its way into the compressor.
class HashingTee final : public ByteSink {
 public:
  explicit HashingTee(ByteSink& out) : out_(out) {}
  void write(std::span<const std::byte> data) override {
    hash_.update(data);
    size_ += static_cast<std::int64_t>(data.size());
    out_.write(data);
  }
  void finish() override {
    digest_ = hash_.finish();
    out_.finish();
  }
  const Digest& digest() const { return *digest_; }
  std::int64_t size() const { return size_; }

 private:
  ByteSink& out_;
  Sha256 hash_;
  std::int64_t size_ = 0;
  std::optional<Digest> digest_;
};

// Copies the blob's bytes to a tap on their way into the blob writer.
class TapTee final : public ByteSink {
 public:
  TapTee(ByteSink& tap, ByteSink& out) : tap_(tap), out_(out) {}
  void write(std::span<const std::byte> data) override {
    tap_.write(data);
    out_.write(data);
  }
  void finish() override {
    tap_.finish();
    out_.finish();
  }

 private:
  ByteSink& tap_;
  ByteSink& out_;
};

// The part of the pipeline after the tar stream: [diffID hash → compressor →] [tap →] blob
// writer. Without compression the tar bytes are the blob bytes, so the blob writer's own hash
// is both the digest and the diffID: the same bytes are never hashed twice.
class LayerSink {
 public:
  LayerSink(const BlobStore& store, const CompressionOptions& compression, ByteSink* tap = nullptr)
      : algorithm_(compression.algorithm), blob_(store.begin_write()) {
    ByteSink* out = blob_.get();
    if (tap != nullptr) {
      tap_tee_ = std::make_unique<TapTee>(*tap, *blob_);
      out = tap_tee_.get();
    }
    if (algorithm_ != Compression::none) {
      compressor_ = make_compressor(compression, *out);
      tee_ = std::make_unique<HashingTee>(*compressor_);
    }
    input_ = tee_ ? static_cast<ByteSink*>(tee_.get()) : out;
  }

  // Where the uncompressed tar stream goes.
  ByteSink& input() { return *input_; }

  // Call once input().finish() has run (it cascades down to the blob writer's commit).
  LayerResult result() const {
    Descriptor descriptor;
    descriptor.media_type = std::string(layer_media_type(algorithm_));
    descriptor.digest = *blob_->digest();
    descriptor.size = blob_->size();
    return LayerResult{.descriptor = descriptor,
                       .diff_id = tee_ ? tee_->digest() : *blob_->digest(),
                       .uncompressed_size = tee_ ? tee_->size() : blob_->size()};
  }

 private:
  Compression algorithm_;
  std::unique_ptr<BlobStore::Writer> blob_;
  std::unique_ptr<TapTee> tap_tee_;
  std::unique_ptr<ByteSink> compressor_;
  std::unique_ptr<HashingTee> tee_;
  ByteSink* input_ = nullptr;
};

// Refuses what is obviously not an uncompressed tar, before anything is stored.
void check_tar_header(const std::filesystem::path& path, std::span<const std::byte> head) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && u(0) == 0x1f && u(1) == 0x8b) {
    throw InputError(path.string() + " is gzip-compressed",
                     "decompress it first (gunzip); rootfs tarballs are imported uncompressed");
  }
  if (head.size() >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd) {
    throw InputError(path.string() + " is zstd-compressed",
                     "decompress it first (zstd -d); rootfs tarballs are imported uncompressed");
  }
  auto not_tar = [&] {
    return InputError(path.string() + " is not a tar archive",
                      "give an uncompressed tar of a root file system");
  };
  if (head.size() < 512)
    throw not_tar();
  if (std::all_of(head.begin(), head.begin() + 512,
                  [](std::byte b) { return b == std::byte{0}; })) {
    return;  // an empty archive
  }
  // The header checksum: the byte sum with the checksum field itself counted as spaces.
  unsigned long sum = 0;
  for (std::size_t i = 0; i < 512; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : u(i);
  unsigned long stored = 0;
  bool digits = false;
  for (std::size_t i = 148; i < 156; ++i) {
    if (u(i) >= '0' && u(i) <= '7') {
      stored = stored * 8 + (u(i) - '0');
      digits = true;
    } else if (digits || (u(i) != ' ' && u(i) != 0)) {
      break;
    }
  }
  if (!digits || stored != sum)
    throw not_tar();
}

}  // namespace

struct LayerWriter::Impl {
  LayerSink sink;
  TarWriter tar;
  bool finished = false;

  Impl(const BlobStore& store, const CompressionOptions& compression, TarOptions options,
       ByteSink* tap)
      : sink(store, compression, tap), tar(sink.input(), options) {}
};

LayerWriter::LayerWriter(const BlobStore& store, const CompressionOptions& compression,
                         TarOptions tar, ByteSink* tap)
    : impl_(std::make_unique<Impl>(store, compression, tar, tap)) {}

LayerWriter::~LayerWriter() = default;

void LayerWriter::add(const TarEntry& entry) {
  impl_->tar.add(entry);
}

LayerResult LayerWriter::finish() {
  if (impl_->finished)
    throw Error("layer writer: finish() called twice");
  impl_->tar.finish();
  impl_->finished = true;
  LayerResult r = impl_->sink.result();
  r.content_bytes_read = impl_->tar.content_bytes_read();
  return r;
}

LayerResult import_tar(const BlobStore& store, const std::filesystem::path& tar_file,
                       const CompressionOptions& compression) {
  UniqueFd fd = open_for_reading(tar_file);
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  std::vector<std::byte> buf(kReadBlock);
  // Fill the first block completely so the header check sees all 512 bytes.
  std::size_t have = 0;
  for (;;) {
    std::size_t n = read_some(fd.get(), std::span(buf).subspan(have), tar_file);
    if (n == 0)
      break;
    have += n;
    if (have >= 512)
      break;
  }
  check_tar_header(tar_file, std::span(buf.data(), have));

  LayerSink sink(store, compression);
  ByteSink& in = sink.input();
  std::int64_t total = 0;
  while (have > 0) {
    in.write(std::span(buf.data(), have));
    total += static_cast<std::int64_t>(have);
    have = read_some(fd.get(), buf, tar_file);
  }
  in.finish();
  LayerResult r = sink.result();
  r.content_bytes_read = total;
  return r;
}

}  // namespace stowage::layers
