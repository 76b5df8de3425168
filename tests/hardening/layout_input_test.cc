// Hostile files on the build host: an `oci:` base layout whose blobs were replaced, symlinked
// or bloated, file names that are not UTF-8, and two builds racing to create one layout. Each
// runs the real stowage binary on files crafted on disk.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "core/file.h"
#include "layers/digest.h"
#include "tests/support/image_integrity.h"
#include "tests/support/stowage_cli.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage;
using namespace stowage::testing;
using nlohmann::json;

namespace {

constexpr std::size_t kOversized = (4 << 20) + 1;

fs::path blob(const fs::path& layout, const std::string& digest) {
  return layout / "blobs" / "sha256" / digest.substr(std::string("sha256:").size());
}

json read_json(const fs::path& path) {
  return json::parse(read_file(path));
}

json manifest_of(const fs::path& layout) {
  return read_json(blob(layout, layout_digest(layout)));
}

// A stowage-built image (scratch, one model layer of its own) at dir/base.
fs::path make_base(const fs::path& dir) {
  make_project(dir / "base-project", 11, 1, 128 << 10);
  auto r = run_stowage({"build", (dir / "base-project" / "stowage.yaml").string(), "--output",
                        (dir / "base").string()},
                       dir / "base-cache");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return dir / "base";
}

// A project at dir/project built on the layout `base`.
fs::path make_project_on(const fs::path& dir, const fs::path& base) {
  fs::path project = dir / "project";
  make_project(project, 12, 0, 0);
  std::string recipe = read_file(project / "stowage.yaml");
  recipe.replace(recipe.find("base: scratch"), std::string("base: scratch").size(),
                 "base: oci:" + base.string());
  write_text(project / "stowage.yaml", recipe);
  return project / "stowage.yaml";
}

ProcessResult build(const fs::path& dir, const fs::path& recipe) {
  return run_stowage({"build", recipe.string(), "--output", (dir / "out").string()}, dir / "cache");
}

// Replaces the layout's manifest with what `edit` makes of it (plus `padding`) and points
// index.json at the new one.
void edit_manifest(const fs::path& layout, const std::function<void(json&)>& edit,
                   const std::string& padding = {}) {
  json index = read_json(layout / "index.json");
  json manifest = manifest_of(layout);
  edit(manifest);
  std::string raw = manifest.dump() + padding;
  std::string digest = layers::Digest::of(raw).str();
  write_text(blob(layout, digest), raw);
  index["manifests"][0]["digest"] = digest;
  index["manifests"][0]["size"] = raw.size();
  write_text(layout / "index.json", index.dump());
}

// Rewrites `path` in place (same inode) with its bytes inverted: same size, other content.
void invert_in_place(const fs::path& path) {
  std::string bytes = read_file(path);
  for (char& c : bytes)
    c = static_cast<char>(~c);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

ino_t inode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_ino;
}

void check_refused(const ProcessResult& r, const std::string& must_contain) {
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("stowage: error:") != std::string::npos);
  CHECK(r.err.find(must_contain) != std::string::npos);
  CHECK(r.err.find("json.exception") == std::string::npos);
}

// A directory on /dev/shm (tmpfs) when there is one, so that a cache there and an output on
// the test's disk are on different file systems; removed when destroyed.
class OtherFileSystemDir {
 public:
  explicit OtherFileSystemDir(const fs::path& fallback) {
    std::string shm = "/dev/shm/stowage-test-XXXXXX";
    path_ =
        fs::is_directory("/dev/shm") && ::mkdtemp(shm.data()) != nullptr ? fs::path(shm) : fallback;
  }
  ~OtherFileSystemDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  OtherFileSystemDir(const OtherFileSystemDir&) = delete;
  OtherFileSystemDir& operator=(const OtherFileSystemDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

TEST_CASE("a base layout whose layer was replaced fails the build and never enters the cache") {
  TempDir dir;
  fs::path base = make_base(dir.path());
  std::string layer = manifest_of(base)["layers"][0]["digest"];
  invert_in_place(blob(base, layer));

  auto r = build(dir.path(), make_project_on(dir.path(), base));
  check_refused(r, layer);
  CHECK(r.err.find(blob(base, layer).string()) != std::string::npos);
  CHECK_FALSE(fs::exists(fs::symlink_status(blob(dir / "cache", layer))));
  CHECK(corrupt_blobs(dir / "cache" / "blobs" / "sha256").empty());
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("a base layout's blobs are copied into the cache, so later changes cannot reach it") {
  TempDir dir;
  fs::path base = make_base(dir.path());
  auto r = build(dir.path(), make_project_on(dir.path(), base));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json manifest = manifest_of(base);  // kept: the loop reads into it
  for (const auto& layer : manifest["layers"]) {
    std::string digest = layer["digest"];
    CHECK(inode_of(blob(dir / "cache", digest)) != inode_of(blob(base, digest)));
    invert_in_place(blob(base, digest));
  }
  CHECK(corrupt_blobs(dir / "cache" / "blobs" / "sha256").empty());
  CHECK(layout_problems(dir / "out").empty());
}

TEST_CASE("a base layout blob that is a symlink to a host file is refused, digest and all") {
  TempDir dir;
  fs::path base = make_base(dir.path());
  // The attacker knows the host file's content: digest and size in the manifest match it, so
  // only the refusal to follow the link stands between the file and the pushed image.
  const std::string secret = "TOP SECRET host file, not for any image\n";
  write_text(dir / "secret.txt", secret);
  std::string digest = layers::Digest::of(secret).str();
  fs::create_symlink("../../../secret.txt", blob(base, digest));
  REQUIRE(read_file(blob(base, digest)) == secret);
  edit_manifest(base, [&](json& m) {
    m["layers"][0]["digest"] = digest;
    m["layers"][0]["size"] = secret.size();
  });

  auto r = build(dir.path(), make_project_on(dir.path(), base));
  check_refused(r, digest);
  CHECK(r.err.find("symlink") != std::string::npos);
  CHECK_FALSE(fs::exists(fs::symlink_status(blob(dir / "cache", digest))));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("index.json and manifests of a layout are not read through symlinks") {
  TempDir dir;
  fs::path base = make_base(dir.path());
  fs::path recipe = make_project_on(dir.path(), base);
  fs::create_directories(dir / "elsewhere");

  SECTION("index.json") {
    fs::rename(base / "index.json", dir / "elsewhere" / "index.json");
    fs::create_symlink(dir / "elsewhere" / "index.json", base / "index.json");
    check_refused(build(dir.path(), recipe), "index.json");
  }
  SECTION("the manifest") {
    fs::path manifest = blob(base, layout_digest(base));
    fs::rename(manifest, dir / "elsewhere" / "manifest");
    fs::create_symlink(dir / "elsewhere" / "manifest", manifest);
    check_refused(build(dir.path(), recipe), layout_digest(base));
  }
  SECTION("stowage inspect too") {
    fs::path manifest = blob(base, layout_digest(base));
    fs::rename(manifest, dir / "elsewhere" / "manifest");
    fs::create_symlink(dir / "elsewhere" / "manifest", manifest);
    check_refused(run_stowage({"inspect", "oci:" + base.string()}, dir / "cache"), "symlink");
  }
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("an oversized index.json or manifest in a layout is refused, and quickly") {
  TempDir dir;
  fs::path base = make_base(dir.path());
  fs::path recipe = make_project_on(dir.path(), base);
  std::string expected;
  SECTION("index.json") {
    std::string index = read_file(base / "index.json");
    write_text(base / "index.json", index + std::string(kOversized - index.size(), ' '));
    expected = (base / "index.json").string();
  }
  SECTION("a manifest") {
    edit_manifest(
        base, [](json&) {}, std::string(kOversized, ' '));
    expected = layout_digest(base);
  }
  auto start = std::chrono::steady_clock::now();
  auto r = build(dir.path(), recipe);
  check_refused(r, expected);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("a file name that is not valid UTF-8 is bad input naming the file") {
  TempDir dir;
  make_project(dir / "project", 5, 1, 1024);
  write_text(dir / "project" / "app" / "caf\xe9.py", "print('latin-1 name')\n");
  fs::path recipe = dir / "project" / "stowage.yaml";
  SECTION("build --json") {
    auto r = run_stowage({"build", recipe.string(), "--json", "--output", (dir / "out").string()},
                         dir / "cache");
    check_refused(r, "caf\\xe9.py");  // the name as printable() shows it
    CHECK(r.err.find("UTF-8") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "out"));
  }
  SECTION("plan --json") {
    auto r = run_stowage({"plan", recipe.string(), "--json"}, dir / "cache");
    check_refused(r, "caf\\xe9.py");  // the name as printable() shows it
  }
}

TEST_CASE("two builds creating the same new layout at once both end up in it") {
  TempDir dir;
  make_project(dir / "project", 8, 4, 1 << 20);
  fs::path recipe = dir / "project" / "stowage.yaml";
  // Warm caches on another file system: the builds then spend their time copying blobs into
  // the new layout, together.
  OtherFileSystemDir caches(dir / "caches");
  for (const char* tag : {"a", "b"}) {
    auto warm = run_stowage({"build", recipe.string(), "--output", (dir / "warm").string()},
                            caches.path() / tag);
    REQUIRE(warm.exit_code == 0);
  }
  for (int round = 0; round < 5; ++round) {
    fs::path out = dir / ("out" + std::to_string(round)) / "image";
    ProcessResult a, b;
    auto run_tag = [&](const char* tag, ProcessResult& result) {
      result = run_stowage({"build", recipe.string(), "--output", out.string(), "--tag", tag},
                           caches.path() / tag);
    };
    {
      std::jthread first(run_tag, "a", std::ref(a));
      std::jthread second(run_tag, "b", std::ref(b));
    }
    INFO("round " << round << "\na: " << a.err << "\nb: " << b.err);
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    json index = read_json(out / "index.json");
    std::vector<std::string> tags;
    for (const auto& m : index["manifests"])
      tags.push_back(m["annotations"]["org.opencontainers.image.ref.name"]);
    std::sort(tags.begin(), tags.end());
    CHECK(tags == std::vector<std::string>{"a", "b"});
    CHECK(layout_problems(out).empty());
    CHECK(temporaries_under(out.parent_path()).empty());
  }
}
