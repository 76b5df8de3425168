#include "layers/image_filesystem.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <map>

#include "layers/blob_store.h"
#include "layers/layer_writer.h"
#include "tests/support/temp_dir.h"

using namespace stowage::layers;
using stowage::testing::TempDir;

namespace {

TarEntry file(std::string path, std::string content = "x", std::uint32_t mode = 0644) {
  TarEntry e;
  e.path = std::move(path);
  e.mode = mode;
  e.size = static_cast<std::int64_t>(content.size());
  e.content = std::move(content);
  return e;
}

TarEntry dir(std::string path) {
  TarEntry e;
  e.type = TarEntry::Type::directory;
  e.path = std::move(path);
  e.mode = 0755;
  return e;
}

TarEntry link_to(std::string path, std::string target, bool hard = false) {
  TarEntry e;
  e.type = hard ? TarEntry::Type::hardlink : TarEntry::Type::symlink;
  e.path = std::move(path);
  e.link_target = std::move(target);
  return e;
}

// A real layer blob (tar+gzip, as most bases ship) holding `entries` and their parent
// directories, in the writer's order.
std::filesystem::path layer(const BlobStore& store, const std::vector<TarEntry>& entries) {
  std::map<std::string, TarEntry> sorted;
  for (const auto& e : entries) {
    sorted[e.path] = e;
    for (auto slash = e.path.find('/'); slash != std::string::npos;
         slash = e.path.find('/', slash + 1)) {
      sorted.try_emplace(e.path.substr(0, slash), dir(e.path.substr(0, slash)));
    }
  }
  CompressionOptions gzip;
  gzip.algorithm = Compression::gzip;
  LayerWriter writer(store, gzip, TarOptions{});
  for (const auto& [path, e] : sorted)
    writer.add(e);
  return store.path_of(writer.finish().descriptor.digest);
}

// An uncompressed layer of `entries` as given (already in the writer's order), so that timing
// it measures the view, not a decompressor.
std::filesystem::path flat_layer(const BlobStore& store, const std::vector<TarEntry>& entries) {
  CompressionOptions none;
  none.algorithm = Compression::none;
  LayerWriter writer(store, none, TarOptions{});
  for (const auto& e : entries)
    writer.add(e);
  return store.path_of(writer.finish().descriptor.digest);
}

// The fastest of three readings of `blob` into a fresh view, in seconds.
double seconds_to_apply(const std::filesystem::path& blob,
                        const ImageFilesystem::KeepContent& keep) {
  double best = 1e9;
  for (int run = 0; run < 3; ++run) {
    ImageFilesystem image;
    auto start = std::chrono::steady_clock::now();
    image.apply_layer(blob, keep);
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

TEST_CASE("later layers win and whiteouts remove what lies below") {
  TempDir tmp;
  BlobStore store(tmp.path());
  ImageFilesystem image;
  image.apply_layer(
      layer(store, {dir("etc"), file("etc/a", "old"), file("etc/gone"), dir("opt"), dir("opt/tool"),
                    file("opt/tool/bin", "b", 0755), file("usr/bin/x")}));
  image.apply_layer(layer(store, {file("etc/.wh.gone"), file("etc/a", "new", 0755),
                                  file("opt/.wh.tool"), file("usr/bin", "not a dir any more")}));
  REQUIRE(image.find("etc/a"));
  CHECK(image.find("etc/a")->mode == 0755);
  CHECK_FALSE(image.exists("etc/gone"));
  CHECK_FALSE(image.exists("opt/tool"));
  CHECK_FALSE(image.exists("opt/tool/bin"));
  CHECK(image.is_directory("opt"));
  // A file replacing a directory hides everything that was under it.
  CHECK(image.find("usr/bin")->type == FsNode::Type::file);
  CHECK_FALSE(image.exists("usr/bin/x"));
  // Whiteout markers themselves are not part of the file system.
  CHECK_FALSE(image.exists("etc/.wh.gone"));
  CHECK(image.is_directory("usr"));
}

TEST_CASE("an opaque directory hides the lower layers' content but keeps its own layer's") {
  TempDir tmp;
  BlobStore store(tmp.path());
  ImageFilesystem image;
  image.apply_layer(layer(store, {dir("app"), file("app/old.py"), dir("app/pkg"),
                                  file("app/pkg/mod.py"), file("keep")}));
  // The marker empties app/ of the lower layer only: app/new.py, in the same layer, stays.
  image.apply_layer(layer(store, {dir("app"), file("app/.wh..wh..opq"), file("app/new.py")}));
  CHECK(image.exists("app/new.py"));
  CHECK(image.is_directory("app"));
  CHECK_FALSE(image.exists("app/old.py"));
  CHECK_FALSE(image.exists("app/pkg"));
  CHECK(image.exists("keep"));
}

TEST_CASE("symlinks resolve within the image root") {
  TempDir tmp;
  BlobStore store(tmp.path());
  ImageFilesystem image;
  image.apply_layer(layer(
      store,
      {link_to("bin", "usr/bin"), file("usr/bin/python3.11", "", 0755),
       link_to("usr/bin/python3", "python3.11"),
       link_to("usr/bin/escape", "../../../../usr/bin/python3"), link_to("usr/bin/loop", "loop2"),
       link_to("usr/bin/loop2", "loop"), link_to("usr/bin/abs", "/bin/python3")}));
  CHECK(image.resolve("/bin/python3") == "usr/bin/python3.11");
  CHECK(image.resolve("python3", "/usr/bin") == "usr/bin/python3.11");
  CHECK(image.resolve("/usr/bin/escape") == "usr/bin/python3.11");  // ".." stops at the root
  CHECK(image.resolve("/usr/bin/abs") == "usr/bin/python3.11");
  CHECK(image.resolve("/usr/bin/loop") == std::nullopt);
  CHECK(image.resolve("/usr/bin/missing") == std::nullopt);
  CHECK(image.resolve("/usr/bin/python3.11/x") == std::nullopt);  // through a file
  CHECK(image.resolve("/") == "");
  CHECK(image.find("bin")->type == FsNode::Type::symlink);  // find() follows nothing
}

TEST_CASE("a hard link is the file it links to, and kept content follows it") {
  TempDir tmp;
  BlobStore store(tmp.path());
  ImageFilesystem image;
  auto keep = [](const std::string& path, const TarReaderEntry&) { return path.ends_with(".so"); };
  image.apply_layer(layer(store, {file("lib/libc-2.36.so", "GLIBC_2.36", 0755),
                                  link_to("lib/libc.so", "lib/libc-2.36.so", true),
                                  file("lib/other", "not kept")}),
                    keep);
  const FsNode* linked = image.find("lib/libc.so");
  REQUIRE(linked);
  CHECK(linked->type == FsNode::Type::file);
  REQUIRE(linked->content);
  CHECK(*linked->content == "GLIBC_2.36");
  // The bytes are shared, not copied per link.
  CHECK(linked->content == image.find("lib/libc-2.36.so")->content);
  CHECK_FALSE(image.find("lib/other")->content);
}

TEST_CASE("the serialised index round-trips and refuses damage") {
  TempDir tmp;
  BlobStore store(tmp.path());
  ImageFilesystem image;
  image.apply_layer(layer(store, {file("a b/c\nd", "x", 0755), link_to("l", "/a b")}));
  auto back = ImageFilesystem::deserialise(image.serialise());
  REQUIRE(back);
  CHECK(back->serialise() == image.serialise());
  CHECK(back->find("l")->target == "/a b");
  CHECK_FALSE(ImageFilesystem::deserialise(std::string("f\0x\0p\0\0", 8)));
  CHECK_FALSE(
      ImageFilesystem::deserialise(std::string("f\0"
                                               "420\0p",
                                               7)));
}

// A base layer of 100,000 hard links to one file once took 30 s to read against 1 s for as many
// plain files: every link searched the layer's earlier entries for its target.
TEST_CASE("hard links cost what plain files cost to read, and share kept content") {
  TempDir tmp;
  BlobStore store(tmp.path());
  constexpr int kEntries = 100'000;
  const std::string kept(4096, 'x');
  std::vector<TarEntry> linked{dir("a"), file("a/libc.so.6", kept), dir("links")};
  std::vector<TarEntry> plain{dir("a"), file("a/libc.so.6", kept), dir("links")};
  for (int i = 0; i < kEntries; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "links/%06d", i);
    linked.push_back(link_to(name, "a/libc.so.6", true));
    plain.push_back(file(name));
  }
  auto links_blob = flat_layer(store, linked);
  auto plain_blob = flat_layer(store, plain);
  // Every name is kept, as a hostile base can name 100,000 links like its libc.
  auto keep_all = [](const std::string&, const TarReaderEntry&) { return true; };

  ImageFilesystem image;
  image.apply_layer(links_blob, keep_all);
  const FsNode* first = image.find("links/000000");
  const FsNode* last = image.find("links/099999");
  REQUIRE(first);
  REQUIRE(last);
  REQUIRE(first->content);
  CHECK(*first->content == kept);
  // One copy of the bytes, however many links: copies would take 400 MB here, and 6.4 TB for
  // a 64 MiB libc.
  CHECK(first->content == last->content);
  CHECK(first->content == image.find("a/libc.so.6")->content);

  double links_time = seconds_to_apply(links_blob, {});
  double plain_time = seconds_to_apply(plain_blob, {});
  INFO("hard links " << links_time << " s, plain files " << plain_time << " s");
  CHECK(links_time < 5 * plain_time);
}
