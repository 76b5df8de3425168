#include "layers/compressor.h"

#include <catch2/catch.hpp>
#include <cstring>

#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"
#include "layers/media_type.h"
#include "tests/support/layer_samples.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace stowage::layers;
using stowage::testing::run_ok;
using stowage::testing::sample_text;
using stowage::testing::StringSink;
using stowage::testing::TempDir;

namespace {

std::string compress(const CompressionOptions& options, std::string_view input,
                     std::size_t chunk = 100'000) {
  StringSink out;
  auto c = make_compressor(options, out);
  auto bytes = std::as_bytes(std::span(input));
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    c->write(bytes.subspan(i, std::min(chunk, bytes.size() - i)));
  }
  c->finish();
  REQUIRE(out.finished == 1);
  return out.bytes;
}

std::string decompress(std::string_view media_type, std::string_view input) {
  StringSink out;
  auto d = make_decompressor(media_type, out);
  d->write(std::as_bytes(std::span(input)));
  d->finish();
  return out.bytes;
}

CompressionOptions zstd_with(int threads) {
  CompressionOptions o;
  o.algorithm = Compression::zstd;
  o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("zstd output is byte-identical for 1, 2 and 4 worker threads", "[compressor]") {
  // 40 MiB is ten 4 MiB zstd jobs, so the workers really split the input.
  std::string input = sample_text(40 << 20, 7);
  std::string one = compress(zstd_with(1), input, 3 << 20);
  std::string two = compress(zstd_with(2), input, 1 << 20);
  std::string four = compress(zstd_with(4), input, 777'777);
  CHECK(one.size() < input.size() / 2);
  CHECK(Digest::of(one) == Digest::of(two));
  CHECK(Digest::of(one) == Digest::of(four));
  CHECK(decompress(media_type::kOciLayerZstd, four) == input);
}

TEST_CASE("zstd layers decompress with the zstd command-line tool", "[compressor]") {
  TempDir tmp;
  std::string input = sample_text(3 << 20, 11);
  stowage::write_file_atomically(tmp / "layer.zst", compress(zstd_with(2), input));
  run_ok({"zstd", "-q", "-d", (tmp / "layer.zst").string(), "-o", (tmp / "layer").string()});
  CHECK(stowage::read_file(tmp / "layer") == input);
}

TEST_CASE("gzip output has a fixed header and gzip -d reads it", "[compressor]") {
  TempDir tmp;
  std::string input = sample_text(2 << 20, 3);
  CompressionOptions o;
  o.algorithm = Compression::gzip;
  std::string gz = compress(o, input);
  REQUIRE(gz.size() > 10);
  // RFC 1952: ID1 ID2, CM=8 (deflate), FLG=0 (no name, comment, extra or header CRC),
  // MTIME=0, XFL=0 (level 6), OS=255 (unknown).
  const unsigned char expected[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  CHECK(std::memcmp(gz.data(), expected, 10) == 0);
  CHECK(gz == compress(o, input, 4096));
  stowage::write_file_atomically(tmp / "layer.gz", gz);
  CHECK(run_ok({"gzip", "-d", "-c", (tmp / "layer.gz").string()}) == input);
}

TEST_CASE("decompressors read every layer media type back", "[compressor]") {
  std::string input = sample_text(300'000, 5);
  CompressionOptions gz;
  gz.algorithm = Compression::gzip;
  std::string gzipped = compress(gz, input);
  CHECK(decompress(media_type::kOciLayerGzip, gzipped) == input);
  CHECK(decompress(media_type::kDockerLayerGzip, gzipped) == input);
  CHECK(decompress(media_type::kOciLayerZstd, compress(zstd_with(1), input)) == input);
  CHECK(decompress(media_type::kOciLayerTar, input) == input);
  CompressionOptions none;
  none.algorithm = Compression::none;
  CHECK(compress(none, input) == input);
}

TEST_CASE("concatenated gzip members decompress as one stream", "[compressor]") {
  CompressionOptions gz;
  gz.algorithm = Compression::gzip;
  std::string joined = compress(gz, "first part,") + compress(gz, " second part");
  CHECK(decompress(media_type::kOciLayerGzip, joined) == "first part, second part");
}

TEST_CASE("truncated or corrupt compressed layers are errors", "[compressor]") {
  std::string input = sample_text(200'000, 9);
  CompressionOptions gz;
  gz.algorithm = Compression::gzip;
  std::string gzipped = compress(gz, input);
  std::string zstded = compress(zstd_with(1), input);
  CHECK_THROWS_AS(decompress(media_type::kOciLayerGzip, gzipped.substr(0, gzipped.size() / 2)),
                  stowage::Error);
  CHECK_THROWS_AS(decompress(media_type::kOciLayerZstd, zstded.substr(0, zstded.size() / 2)),
                  stowage::Error);
  CHECK_THROWS_AS(decompress(media_type::kOciLayerZstd, "not zstd at all"), stowage::Error);
  CHECK_THROWS_AS(decompress(media_type::kOciLayerGzip, ""), stowage::Error);
}

TEST_CASE("compression names and media types", "[compressor]") {
  CHECK(parse_compression("zstd") == Compression::zstd);
  CHECK(parse_compression("gzip") == Compression::gzip);
  CHECK(parse_compression("none") == Compression::none);
  CHECK_THROWS_AS(parse_compression("lz4"), stowage::InputError);
  CHECK(layer_media_type(Compression::zstd) == media_type::kOciLayerZstd);
  CHECK(layer_media_type(Compression::gzip) == media_type::kOciLayerGzip);
  CHECK(layer_media_type(Compression::none) == media_type::kOciLayerTar);
  CHECK(layer_compression(media_type::kDockerLayerGzip) == Compression::gzip);
  StringSink sink;
  CHECK_THROWS_WITH(make_decompressor("application/json", sink),
                    Catch::Contains("unsupported layer media type"));
}
