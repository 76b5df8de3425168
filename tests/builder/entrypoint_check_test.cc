// serve.command looked up in a merged image: real layer blobs written by the layer writer and
// read back by the tar reader, with symlinks, whiteouts and opaque directories.
#include "builder/entrypoint_check.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/error.h"
#include "layers/layer_writer.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::builder;
using layers::TarEntry;
using stowage::testing::TempDir;
using stowage::testing::write_text;

namespace {

TarEntry file(const std::string& path, std::uint32_t mode,
              std::string content =
                  "\x7f"
                  "ELF") {
  TarEntry e;
  e.path = path;
  e.mode = mode;
  e.size = static_cast<std::int64_t>(content.size());
  e.content = std::move(content);
  return e;
}

TarEntry link_entry(const std::string& path, const std::string& target) {
  TarEntry e;
  e.type = TarEntry::Type::symlink;
  e.path = path;
  e.link_target = target;
  return e;
}

TarEntry directory(const std::string& path) {
  TarEntry e;
  e.type = TarEntry::Type::directory;
  e.path = path;
  e.mode = 0755;
  return e;
}

// A layer blob holding `entries` and their parent directories, in the writer's order.
layers::Descriptor write_layer(const layers::BlobStore& blobs, std::vector<TarEntry> entries) {
  std::set<std::string> have;
  for (const auto& e : entries)
    have.insert(e.path);
  std::vector<TarEntry> all = entries;
  for (const auto& e : entries) {
    for (auto slash = e.path.find('/'); slash != std::string::npos;
         slash = e.path.find('/', slash + 1)) {
      std::string dir = e.path.substr(0, slash);
      if (have.insert(dir).second)
        all.push_back(directory(dir));
    }
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  layers::CompressionOptions zstd;
  zstd.algorithm = layers::Compression::zstd;
  layers::LayerWriter writer(blobs, zstd, layers::TarOptions{});
  for (const auto& e : all)
    writer.add(e);
  return writer.finish().descriptor;
}

ContentItem content(const TarEntry& entry) {
  ContentItem item;
  item.entry = entry;
  return item;
}

struct Fixture {
  TempDir tmp;
  layers::BlobStore blobs{tmp / "store"};
  BaseImage base;

  Fixture() {
    base.description = "rootfs:test.tar";
    // A Debian-like lower layer: merged /usr, python3 -> python3.11, a tool and a directory
    // that the upper layer removes and replaces.
    base.layers.push_back(write_layer(
        blobs, {link_entry("bin", "usr/bin"), file("usr/bin/python3.11", 0755),
                link_entry("usr/bin/python3", "python3.11"), file("usr/bin/dash", 0755),
                link_entry("usr/bin/sh", "dash"), file("etc/motd", 0644, "hello\n"),
                file("opt/tool/run", 0755), file("srv/app/old", 0755), link_entry("loop/a", "b"),
                link_entry("loop/b", "a"), file("usr/local/lib/helper", 0755)}));
    TarEntry opaque = file("srv/app/.wh..wh..opq", 0644, "");
    base.layers.push_back(
        write_layer(blobs, {file("opt/.wh.tool", 0644, ""), opaque, file("srv/app/new", 0755)}));
  }

  recipes::Recipe recipe(const std::string& command, const std::string& extra = "") {
    write_text(tmp / "stowage.yaml",
               "name: check\nbase: scratch\n" + extra + "serve:\n  command: " + command + "\n");
    return recipes::load_recipe(tmp / "stowage.yaml");
  }

  EntrypointCheck check(const std::string& command, const std::vector<ContentItem>& items = {},
                        const std::string& extra = "") {
    return check_entrypoint(recipe(command, extra), base, items, blobs, tmp / "cache/entrypoint");
  }
};

std::string refusal(Fixture& f, const std::string& command,
                    const std::vector<ContentItem>& items = {}, const std::string& extra = "") {
  try {
    f.check(command, items, extra);
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("serve.command " << command << " was accepted");
  return {};
}

}  // namespace

TEST_CASE("serve.command follows symlinks through the merged base") {
  Fixture f;
  CHECK(f.check("[/usr/bin/python3, app.py]").executable == "/usr/bin/python3.11");
  // /bin -> usr/bin, then python3 -> python3.11.
  CHECK(f.check("[/bin/python3]").executable == "/usr/bin/python3.11");
  CHECK(f.check("[/usr/local/../bin/sh]").executable == "/usr/bin/dash");
  CHECK(f.check("[/srv/app/new]").executable == "/srv/app/new");
}

TEST_CASE("a bare name is searched in the image's PATH") {
  Fixture f;
  // No PATH in the base: the default the build writes, which has /usr/bin, whatever else the
  // recipe's env sets.
  CHECK(f.check("[python3]").executable == "/usr/bin/python3.11");
  CHECK(f.check("[sh, -c, 'exit 0']").executable == "/usr/bin/dash");
  CHECK(f.check("[python3]", {}, "env: {MODEL_DIR: /models}\n").executable ==
        "/usr/bin/python3.11");
  std::string missing = refusal(f, "[python4]", {}, "env: {MODEL_DIR: /models}\n");
  CHECK_THAT(missing, Catch::Contains("python4 does not exist in the image"));
  CHECK_THAT(missing, Catch::Contains("PATH (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                      "/sbin:/bin)"));
  // The base's PATH is searched, not the default.
  f.base.config.config.env = {"PATH=/opt/tool", "LANG=C.UTF-8"};
  CHECK_THAT(refusal(f, "[python3]", {}, "env: {MODEL_DIR: /models}\n"),
             Catch::Contains("PATH (/opt/tool)"));
  f.base.config.config.env = {"PATH=/usr/bin", "LANG=C.UTF-8"};
  CHECK(f.check("[python3]", {}, "env: {MODEL_DIR: /models}\n").executable ==
        "/usr/bin/python3.11");
  f.base.config.config.env.clear();
  // The recipe's PATH replaces it.
  CHECK(f.check("[helper]", {}, "env: {PATH: /opt/none:/usr/local/lib}\n").executable ==
        "/usr/local/lib/helper");
  std::string e = refusal(f, "[python3]", {}, "env: {PATH: /usr/local/lib}\n");
  CHECK_THAT(e, Catch::Contains("python3 does not exist in the image"));
  CHECK_THAT(e, Catch::Contains("PATH (/usr/local/lib)"));
  // A relative path is taken from the working directory.
  CHECK(f.check("[./new]", {}, "workdir: /srv/app\n").executable == "/srv/app/new");
}

TEST_CASE("a missing serve.command is refused at its recipe location, with a hint") {
  Fixture f;
  std::string e = refusal(f, "[/usr/local/bin/python3, app.py]");
  // Line 4, column 13: the first element of the command list.
  CHECK_THAT(e, Catch::StartsWith((f.tmp / "stowage.yaml").string() +
                                  ":4:13: serve.command: "
                                  "/usr/local/bin/python3 does not exist in the image ("));
  CHECK_THAT(e, Catch::Contains("did you mean /usr/bin/python3?"));
  // Removed by a whiteout, hidden by an opaque directory, a symlink loop.
  CHECK_THAT(refusal(f, "[/opt/tool/run]"), Catch::Contains("does not exist"));
  CHECK_THAT(refusal(f, "[/srv/app/old]"), Catch::Contains("does not exist"));
  CHECK_THAT(refusal(f, "[/loop/a]"), Catch::Contains("does not exist"));
  // A path through a file.
  CHECK_THAT(refusal(f, "[/etc/motd/x]"), Catch::Contains("does not exist"));
  CHECK_THAT(refusal(f, "[/etc/motd]"), Catch::Contains("is not executable"));
  CHECK_THAT(refusal(f, "[/srv/app]"), Catch::Contains("is a directory"));
}

TEST_CASE("content the build adds counts, and its scripts' interpreters are checked") {
  Fixture f;
  std::vector<ContentItem> items{content(directory("app")),
                                 content(file("app/serve", 0755, "#!/bin/sh\nexec true\n")),
                                 content(file("app/bash", 0755, "#! /bin/bash -e\n")),
                                 content(file("app/dos", 0755, "#!/bin/sh\r\n")),
                                 content(file("app/tool", 0700)),
                                 content(link_entry("app/py", "/usr/bin/python3"))};
  CHECK(f.check("[/app/serve]", items).executable == "/app/serve");
  CHECK(f.check("[/app/tool]", items).executable == "/app/tool");
  CHECK(f.check("[/app/py]", items).executable == "/usr/bin/python3.11");
  CHECK_THAT(refusal(f, "[/app/bash]", items),
             Catch::Contains("starts with #!/bin/bash, which does not exist"));
  CHECK_THAT(refusal(f, "[/app/dos]", items), Catch::Contains("Windows line endings"));
  // Content replacing a base directory with a file hides what was under it.
  std::vector<ContentItem> over{content(file("srv/app", 0644))};
  CHECK_THAT(refusal(f, "[/srv/app/new]", over), Catch::Contains("does not exist"));
}

TEST_CASE("a base whose layers are not local gives a warning, not a refusal") {
  Fixture f;
  f.base.description = "registry.example/python:3.11";
  f.base.layers.push_back(layers::Descriptor{});
  f.base.layers.back().digest = layers::Digest::of("a layer that is only in the registry");
  auto r = f.check("[/usr/bin/python3]");
  CHECK(r.executable.empty());
  CHECK_THAT(r.warning, Catch::Contains("serve.command: /usr/bin/python3 was not checked"));
  CHECK_THAT(r.warning, Catch::Contains("registry.example/python:3.11"));
  // What the build adds is still checked, and then there is nothing to warn about.
  std::vector<ContentItem> items{content(file("app/server", 0755))};
  r = f.check("[/app/server]", items);
  CHECK(r.executable == "/app/server");
  CHECK(r.warning.empty());
  items.push_back(content(file("app/script", 0755, "#!/usr/bin/python3\n")));
  CHECK_THAT(f.check("[/app/script]", items).warning, Catch::Contains("#!/usr/bin/python3"));
}

TEST_CASE("a registry base is looked into when its layers are cached, but never refused") {
  Fixture f;
  f.base.description = "127.0.0.1:5000/org/base:1";
  f.base.remote = registry::Reference::parse("127.0.0.1:5000/org/base:1");
  CHECK(f.check("[/bin/python3]").executable == "/usr/bin/python3.11");
  auto r = f.check("[/usr/local/bin/python3]");
  CHECK(r.executable.empty());
  CHECK_THAT(r.warning, Catch::StartsWith("serve.command: /usr/local/bin/python3 does not exist "
                                          "in the image ("));
  CHECK_THAT(r.warning, Catch::EndsWith("not refused because the base 127.0.0.1:5000/org/base:1 "
                                        "is a registry image"));
}

TEST_CASE("the base index is cached per layer set, and a damaged one is rebuilt") {
  Fixture f;
  CHECK(f.check("[/bin/python3]").executable == "/usr/bin/python3.11");
  const std::vector<std::filesystem::path> indexes(
      std::filesystem::directory_iterator(f.tmp / "cache/entrypoint"), {});
  REQUIRE(indexes.size() == 1);
  // The cached index answers alone: the layer blobs are no longer read.
  auto saved = f.blobs.path_of(f.base.layers[0].digest);
  std::filesystem::rename(saved, f.tmp / "moved");
  std::filesystem::copy_file(f.tmp / "moved", saved);  // present, as has() checks
  write_text(saved, "not a tar");
  CHECK(f.check("[/bin/python3]").executable == "/usr/bin/python3.11");
  // A damaged index is read from the layers again.
  std::filesystem::rename(f.tmp / "moved", saved);
  write_text(indexes[0], "garbage");
  CHECK(f.check("[/bin/python3]").executable == "/usr/bin/python3.11");
  CHECK_THAT(refusal(f, "[/opt/tool/run]"), Catch::Contains("does not exist"));
}
