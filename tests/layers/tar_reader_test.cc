#include "layers/tar_reader.h"

#include <catch2/catch.hpp>
#include <map>

#include "core/error.h"
#include "core/file.h"
#include "layers/blob_store.h"
#include "layers/layer_writer.h"
#include "tests/support/layer_samples.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::layers;
using stowage::testing::entries_of_tree;
using stowage::testing::make_sample_tree;
using stowage::testing::run_ok;
using stowage::testing::TempDir;
using stowage::testing::write_tree_layer;

namespace {
std::map<std::string, TarReaderEntry> read_entries(const fs::path& blob,
                                                   std::map<std::string, std::string>* content) {
  std::map<std::string, TarReaderEntry> out;
  TarReader reader(blob);
  while (auto e = reader.next()) {
    if (content && e->type == TarReaderEntry::Type::file)
      (*content)[e->path] = reader.read_all();
    out[e->path] = *e;
  }
  return out;
}
}  // namespace

TEST_CASE("the reader sees what the writer wrote, compressed or not", "[tar_reader]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 4);
  BlobStore store(tmp / "store");
  for (Compression c : {Compression::none, Compression::gzip, Compression::zstd}) {
    INFO(compression_name(c));
    CompressionOptions options;
    options.algorithm = c;
    TarOptions tar;
    tar.mtime = 1234;
    LayerResult layer = write_tree_layer(store, tmp / "src", options, tar);

    std::map<std::string, std::string> content;
    auto entries = read_entries(store.path_of(layer.descriptor.digest), &content);
    CHECK(entries.size() == entries_of_tree(tmp / "src").size());
    CHECK(entries["app"].type == TarReaderEntry::Type::directory);
    CHECK(entries["app"].mode == 0755);
    CHECK(entries["app/run.sh"].mode == 0755);
    CHECK(entries["app/main.py"].mode == 0644);
    CHECK(entries["app/main.py"].mtime == 1234);
    CHECK(entries["app/main.py"].uid == 0);
    CHECK(entries["app/main.py"].uname.empty());
    CHECK(entries["app/python"].type == TarReaderEntry::Type::symlink);
    CHECK(entries["app/python"].link_target == "/usr/bin/python3");
    CHECK(entries["app/start.sh"].type == TarReaderEntry::Type::hardlink);
    CHECK(entries["app/start.sh"].link_target == "app/run.sh");
    CHECK(content["app/main.py"] == stowage::read_file(tmp / "src/app/main.py"));
    const std::string accented =
        "models/donn\xc3\xa9"
        "es-mod\xc3\xa8le.bin";
    CHECK(content[accented] == stowage::read_file(tmp / "src" / accented));
  }
}

TEST_CASE("the reader normalises ./ prefixes from other tools' archives", "[tar_reader]") {
  TempDir tmp;
  stowage::testing::write_text(tmp / "root/etc/hostname", "box\n");
  run_ok({"tar", "-C", (tmp / "root").string(), "-czf", (tmp / "rootfs.tgz").string(), "."});
  std::map<std::string, std::string> content;
  auto entries = read_entries(tmp / "rootfs.tgz", &content);
  CHECK(entries.count(".") == 1);
  CHECK(entries.count("etc") == 1);
  CHECK(content["etc/hostname"] == "box\n");
}

TEST_CASE("entries escaping the root are refused", "[tar_reader]") {
  TempDir tmp;
  // Python's tarfile writes whatever names it is given: an independent, hostile writer.
  const std::string script = R"(
import io, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, data=b"x", **kw):
        info = tarfile.TarInfo(name)
        for k, v in kw.items(): setattr(info, k, v)
        if info.type == tarfile.REGTYPE: info.size = len(data)
        t.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)
    add("fine.txt")
    if kind == "dotdot": add("a/../../etc/cron.d/evil")
    if kind == "absolute": add("/etc/evil")
    if kind == "hardlink": add("link", type=tarfile.LNKTYPE, linkname="../../etc/shadow")
)";
  for (const char* kind : {"dotdot", "absolute", "hardlink"}) {
    INFO(kind);
    fs::path file = tmp / (std::string(kind) + ".tar");
    run_ok({"python3", "-c", script, kind, file.string()});
    TarReader reader(file);
    REQUIRE(reader.next()->path == "fine.txt");
    CHECK_THROWS_WITH(reader.next(),
                      Catch::Contains("outside its root") && Catch::Contains(file.string()));
  }
}

TEST_CASE("a corrupt layer is an error, not an empty listing", "[tar_reader]") {
  TempDir tmp;
  stowage::testing::write_random(tmp / "junk", 5000, 3);
  CHECK_THROWS_AS(
      [&] {
        TarReader reader(tmp / "junk");
        while (reader.next()) {
        }
      }(),
      stowage::Error);
}
