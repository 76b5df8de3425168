#include "layers/layer_writer.h"

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/file.h"
#include "layers/media_type.h"
#include "tests/support/layer_samples.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::layers;
using stowage::testing::entries_of_tree;
using stowage::testing::make_sample_tree;
using stowage::testing::run_ok;
using stowage::testing::sha256sum;
using stowage::testing::TempDir;
using stowage::testing::write_tree_layer;

namespace {

LayerResult build(const BlobStore& store, const fs::path& tree, Compression c, int threads = 2) {
  CompressionOptions options;
  options.algorithm = c;
  options.threads = threads;
  return write_tree_layer(store, tree, options);
}

void set_all_mtimes(const fs::path& root, fs::file_time_type when) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_symlink())
      fs::last_write_time(e.path(), when);
  }
}

}  // namespace

TEST_CASE("digest and diffID are what coreutils computes", "[layer_writer]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 5);
  stowage::testing::write_random(tmp / "src/models/weights.bin", 5 << 20, 6);
  BlobStore store(tmp / "store");
  for (auto [c, tool] :
       {std::pair{Compression::gzip, "gzip"}, std::pair{Compression::zstd, "zstd"}}) {
    INFO(tool);
    LayerResult r = build(store, tmp / "src", c);
    fs::path blob = store.path_of(r.descriptor.digest);
    CHECK(r.descriptor.media_type == layer_media_type(c));
    CHECK(sha256sum(blob) == r.descriptor.digest.str());
    CHECK(r.descriptor.size == static_cast<std::int64_t>(fs::file_size(blob)));
    fs::path plain = tmp / (std::string(tool) + ".tar");
    stowage::write_file_atomically(plain, run_ok({tool, "-d", "-c", blob.string()}));
    CHECK(sha256sum(plain) == r.diff_id.str());
    CHECK(r.uncompressed_size == static_cast<std::int64_t>(fs::file_size(plain)));
    CHECK(r.content_bytes_read > (5 << 20));
  }
  LayerResult none = build(store, tmp / "src", Compression::none);
  CHECK(none.descriptor.media_type == media_type::kOciLayerTar);
  CHECK(none.diff_id == none.descriptor.digest);
  CHECK(sha256sum(store.path_of(none.diff_id)) == none.diff_id.str());
  // The uncompressed layer is exactly the tar that the compressed ones carry.
  CHECK(sha256sum(tmp / "zstd.tar") == none.diff_id.str());
}

TEST_CASE("identical trees give identical layers across runs, mtimes and thread counts",
          "[layer_writer]") {
  TempDir tmp;
  make_sample_tree(tmp / "one", 9);
  make_sample_tree(tmp / "two", 9);
  set_all_mtimes(tmp / "one", fs::file_time_type::clock::now() - std::chrono::hours(24 * 400));
  set_all_mtimes(tmp / "two", fs::file_time_type::clock::now());
  fs::permissions(tmp / "two/app/main.py", fs::perms(0600));  // still 0644 in the layer

  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      BlobStore store(tmp / "store-one");
      LayerResult r = build(store, tmp / "one", Compression::zstd, 1);
      stowage::write_file_atomically(tmp / "one.txt", r.descriptor.digest.str() + r.diff_id.str());
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  BlobStore store(tmp / "store-two");
  LayerResult two = build(store, tmp / "two", Compression::zstd, 4);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(stowage::read_file(tmp / "one.txt") == two.descriptor.digest.str() + two.diff_id.str());

  CompressionOptions gz;
  gz.algorithm = Compression::gzip;
  CHECK(build(store, tmp / "one", Compression::gzip).descriptor.digest ==
        build(store, tmp / "two", Compression::gzip).descriptor.digest);
}

TEST_CASE("a layer abandoned before finish leaves no blob", "[layer_writer]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 1);
  BlobStore store(tmp / "store");
  {
    LayerWriter writer(store, CompressionOptions{}, TarOptions{});
    for (const auto& e : entries_of_tree(tmp / "src"))
      writer.add(e);
  }
  CHECK(fs::is_empty(tmp / "store/blobs/sha256"));
}

TEST_CASE("import_tar keeps a rootfs tarball's bytes", "[layer_writer]") {
  TempDir tmp;
  stowage::testing::write_text(tmp / "root/etc/os-release", "ID=debian\n");
  stowage::testing::write_random(tmp / "root/usr/lib/libbig.so", 2 << 20, 4);
  run_ok({"tar", "-C", (tmp / "root").string(), "-cf", (tmp / "rootfs.tar").string(), "."});
  BlobStore store(tmp / "store");
  LayerResult plain =
      import_tar(store, tmp / "rootfs.tar", CompressionOptions{.algorithm = Compression::none});
  CHECK(plain.diff_id.str() == sha256sum(tmp / "rootfs.tar"));
  CHECK(plain.descriptor.digest == plain.diff_id);
  CHECK(stowage::read_file(store.path_of(plain.diff_id)) == stowage::read_file(tmp / "rootfs.tar"));

  LayerResult z = import_tar(store, tmp / "rootfs.tar", CompressionOptions{});
  CHECK(z.diff_id.str() == sha256sum(tmp / "rootfs.tar"));
  CHECK(z.descriptor.media_type == media_type::kOciLayerZstd);
  CHECK(z.uncompressed_size == static_cast<std::int64_t>(fs::file_size(tmp / "rootfs.tar")));
  CHECK(sha256sum(store.path_of(z.descriptor.digest)) == z.descriptor.digest.str());

  run_ok({"gzip", "-k", (tmp / "rootfs.tar").string()});
  CHECK_THROWS_WITH(import_tar(store, tmp / "rootfs.tar.gz", CompressionOptions{}),
                    Catch::Contains("gzip-compressed"));
  stowage::testing::write_random(tmp / "junk.tar", 4096, 1);
  CHECK_THROWS_AS(import_tar(store, tmp / "junk.tar", CompressionOptions{}), stowage::InputError);
}
