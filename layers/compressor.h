// Byte sinks and the compressors that sit between the tar stream and a blob.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace stowage::layers {

// Where a stream of bytes goes. finish() flushes and must be called exactly once; a sink
// destroyed without finish() discards its output (it never commits partial data).
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::span<const std::byte> data) = 0;
  virtual void finish() = 0;
};

enum class Compression { none, gzip, zstd };

struct CompressionOptions {
  Compression algorithm = Compression::zstd;
  // zstd level 3 is zstd's own default: ~3x faster than gzip -6 at a better ratio.
  int zstd_level = 3;
  // gzip level 6, the level gzip(1) and Go's compress/gzip default to.
  int gzip_level = 6;
  // zstd worker threads; 0 = one per core. The output is identical for every value >= 1,
  // which is why stowage never uses zstd's single-threaded mode (its output differs).
  int threads = 0;
};

// "zstd", "gzip", "none" → Compression; throws InputError naming the accepted values.
Compression parse_compression(std::string_view name);
std::string_view compression_name(Compression c);
// The OCI layer media type for a tar compressed with `c`.
std::string_view layer_media_type(Compression c);

// A sink that compresses into `out`. Deterministic: gzip headers carry mtime 0, no file name
// and OS "unknown"; zstd uses fixed parameters whatever the thread count (the level, 4 MiB
// jobs, a content checksum). Memory depends on the number of zstd workers, never on the
// amount of data (docs/performance.md has figures). finish() also
// finishes `out`.
std::unique_ptr<ByteSink> make_compressor(const CompressionOptions& options, ByteSink& out);

// The compression of a layer media type (OCI tar/tar+gzip/tar+zstd, Docker gzip); throws
// Error for any other media type.
Compression layer_compression(std::string_view layer_media_type);

// Decompresses a layer blob of any supported media type into `out` (for reading layers back).
// finish() throws Error when the compressed stream is truncated; write() when it is corrupt.
std::unique_ptr<ByteSink> make_decompressor(std::string_view layer_media_type, ByteSink& out);

}  // namespace stowage::layers
