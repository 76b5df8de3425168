#include "layers/image_filesystem.h"

#include <catch2/catch.hpp>
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
  CHECK(linked->content == "GLIBC_2.36");
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
