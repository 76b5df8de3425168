// `stowage build` end to end: sources on disk → OCI layout → read back by skopeo and umoci.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/file.h"
#include "tests/support/image_integrity.h"
#include "tests/support/image_readers.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;

namespace {

// A project with a model directory (one big weights file, small config files) and a code
// tree with an executable, a symlink, a long path and a non-ASCII name.
void make_project(const fs::path& dir, std::int64_t weights_size = 3 << 20) {
  write_random(dir / "models/weights.safetensors", weights_size, 7);
  write_text(dir / "models/config.json", "{\"hidden\": 16}\n");
  write_text(dir / "models/tokenizer/vocab.txt", "a\nb\nc\n");
  write_text(dir / "app/main.py", "print('serving')\n");
  write_text(dir / "app/run.sh", "#!/bin/sh\nexec python3 /app/main.py\n");
  fs::permissions(dir / "app/run.sh", fs::perms::owner_all | fs::perms::group_read |
                                          fs::perms::group_exec | fs::perms::others_read);
  // scratch has no shell: the script's interpreter comes with the content, or the build
  // refuses serve.command.
  write_text(dir / "bin/sh",
             "\x7f"
             "ELF stand-in\n");
  fs::permissions(dir / "bin/sh", fs::perms::owner_exec, fs::perm_options::add);
  fs::create_symlink("main.py", dir / "app/entry.py");
  std::string long_dir(120, 'd');
  write_text(dir / "app" / long_dir / "deep.py", "DEEP = True\n");
  write_text(dir / "app/données-ü.txt", "non-ascii\n");
  write_text(dir / "stowage.yaml", R"(name: e2e-model
base: scratch
model:
  - {src: models/, dst: /models}
code:
  - {src: app/, dst: /app}
  - {src: bin/sh, dst: /bin/sh}
env: {MODEL_DIR: /models}
workdir: /app
serve:
  command: [/app/run.sh]
  port: 8080
layering:
  own_layer_threshold: 1Mi
)");
}

ProcessResult run_stowage(const std::vector<std::string>& args, const fs::path& cache,
                          std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv{stowage_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  env["STOWAGE_CACHE"] = cache.string();
  RunOptions options;
  options.env = env;
  return run(argv, options);
}

std::string build_ok(const fs::path& recipe, const fs::path& out, const fs::path& cache,
                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"build", recipe.string(), "--output", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_stowage(args, cache);
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return layout_manifest_digest(out, "latest");
}

std::uint32_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// The unpacked image holds the sources' bytes, modes and links.
void check_rootfs(const fs::path& rootfs, const fs::path& src) {
  for (const char* rel :
       {"models/weights.safetensors", "models/config.json", "models/tokenizer/vocab.txt",
        "app/main.py", "app/run.sh", "app/données-ü.txt"}) {
    INFO(rel);
    CHECK(stowage::read_file(rootfs / rel) == stowage::read_file(src / rel));
  }
  std::string long_dir(120, 'd');
  CHECK(stowage::read_file(rootfs / "app" / long_dir / "deep.py") == "DEEP = True\n");
  CHECK(fs::read_symlink(rootfs / "app/entry.py") == "main.py");
  CHECK(mode_of(rootfs / "app/run.sh") == 0755);
  CHECK(mode_of(rootfs / "app/main.py") == 0644);
  CHECK(mode_of(rootfs / "models") == 0755);
  CHECK(fs::exists(rootfs / "etc/stowage/build.json"));
}

}  // namespace

TEST_CASE("a built layout is read back by skopeo with the recipe's config") {
  TempDir tmp;
  make_project(tmp / "src");
  auto out = tmp / "out";
  build_ok(tmp / "src/stowage.yaml", out, tmp / "cache");

  auto manifest = skopeo_raw_manifest(out, "latest");
  // weights (own layer), other model files, code, meta.
  REQUIRE(manifest["layers"].size() == 4);
  CHECK(manifest["layers"][0]["mediaType"] == "application/vnd.oci.image.layer.v1.tar");
  CHECK(manifest["layers"][2]["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd");
  auto config = skopeo_config(out, "latest");
  CHECK(config["config"]["Entrypoint"] == nlohmann::json::array({"/app/run.sh"}));
  CHECK(config["config"]["WorkingDir"] == "/app");
  CHECK(config["config"]["ExposedPorts"].contains("8080/tcp"));
  // scratch has no PATH: the image gets the conventional one.
  CHECK(config["config"]["Env"] ==
        nlohmann::json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "MODEL_DIR=/models"}));
  CHECK(config["rootfs"]["diff_ids"].size() == 4);
  CHECK(config["history"].size() == 4);

  // skopeo verifies every digest while copying; the zstd layers unpack with zstd and GNU tar.
  run_ok({"skopeo", "copy", "oci:" + out.string() + ":latest", "dir:" + (tmp / "dir").string()});
  auto rootfs = tmp / "rootfs";
  fs::create_directories(rootfs);
  for (const auto& layer : manifest["layers"]) {
    std::string hex = layer["digest"].get<std::string>().substr(7);
    std::string compress = layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+zstd"
                               ? "--zstd"
                               : "--no-auto-compress";
    run_ok({"tar", "-x", compress, "-f", (tmp / "dir" / hex).string(), "-C", rootfs.string()});
  }
  check_rootfs(rootfs, tmp / "src");
}

TEST_CASE("umoci unpacks a gzip build with the sources' bytes, modes and links") {
  TempDir tmp;
  make_project(tmp / "src");
  auto out = tmp / "out";
  build_ok(tmp / "src/stowage.yaml", out, tmp / "cache", {"--compression", "gzip"});
  auto manifest = skopeo_raw_manifest(out, "latest");
  for (const auto& layer : manifest["layers"]) {
    CHECK(layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip");
  }
  auto rootfs = umoci_unpack(out, "latest", tmp / "bundle");
  check_rootfs(rootfs, tmp / "src");
}

TEST_CASE("the same recipe gives the same digest from other copies, times and thread counts") {
  TempDir tmp;
  make_project(tmp / "a");
  make_project(tmp / "b");
  // Different host mtimes and permissions on directories must not matter.
  run_ok({"touch", "-d", "2001-02-03 04:05:06", (tmp / "b/app/main.py").string(),
          (tmp / "b/models/config.json").string()});
  fs::permissions(tmp / "b/models", fs::perms::owner_all | fs::perms::group_all);

  auto d1 = build_ok(tmp / "a/stowage.yaml", tmp / "out1", tmp / "cache1", {"--threads", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto d2 = build_ok(tmp / "b/stowage.yaml", tmp / "out2", tmp / "cache2", {"--threads", "4"});
  CHECK_FALSE(d1.empty());
  CHECK(d1 == d2);
  // And the bytes of every blob agree, not just the manifest.
  for (const auto& e : fs::directory_iterator(tmp / "out1/blobs/sha256")) {
    CHECK(fs::exists(tmp / "out2/blobs/sha256" / e.path().filename()));
  }
}

TEST_CASE("SOURCE_DATE_EPOCH sets every timestamp, so it changes the digest") {
  TempDir tmp;
  make_project(tmp / "src");
  auto d1 = build_ok(tmp / "src/stowage.yaml", tmp / "out1", tmp / "cache");
  auto r = run_stowage(
      {"build", (tmp / "src/stowage.yaml").string(), "--output", (tmp / "out2").string()},
      tmp / "cache", {{"SOURCE_DATE_EPOCH", "1700000000"}});
  REQUIRE(r.exit_code == 0);
  auto d2 = layout_manifest_digest(tmp / "out2", "latest");
  CHECK(d1 != d2);
  auto config = skopeo_config(tmp / "out2", "latest");
  CHECK(config["created"] == "2023-11-14T22:13:20Z");
}

TEST_CASE("a build killed in the middle of a large layer leaves no partial blob or layout") {
  TempDir tmp;
  make_project(tmp / "src", std::int64_t{1} << 30);
  auto cache = tmp / "cache";
  auto out = tmp / "out";
  std::vector<std::string> argv{stowage_binary().string(), "build",
                                (tmp / "src/stowage.yaml").string(), "--output", out.string()};
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", cache.string()}};
  {
    BackgroundProcess build(argv, tmp / "build.log", options);
    // Wait until the big layer is being written, then kill.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool writing = false;
    while (!writing && std::chrono::steady_clock::now() < deadline && build.running()) {
      if (fs::exists(cache / "blobs/sha256")) {
        for (const auto& e : fs::directory_iterator(cache / "blobs/sha256")) {
          if (stowage::is_temporary_name(e.path().filename().string()) &&
              fs::file_size(e.path()) > (64 << 20)) {
            writing = true;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(writing);
    build.stop(SIGKILL);
  }
  CHECK_FALSE(fs::exists(out));
  std::string bad;
  CHECK(all_blobs_intact(cache, &bad));
  INFO("bad blob: " << bad);

  auto digest = build_ok(tmp / "src/stowage.yaml", out, cache);
  CHECK_FALSE(digest.empty());
  CHECK(all_blobs_intact(out));
  CHECK(all_blobs_intact(cache));
  // The killed build's temporary files are gone after the next build.
  for (const auto& e : fs::directory_iterator(cache / "blobs/sha256")) {
    CHECK_FALSE(stowage::is_temporary_name(e.path().filename().string()));
  }
}

namespace {

struct BadRecipe {
  const char* what;
  const char* yaml;
  const char* location;  // "stowage.yaml:LINE:COL" expected in the message
  const char* mentions;  // text the message must contain
};

}  // namespace

TEST_CASE("bad recipes exit 2 with file:line:col and a hint, and write nothing") {
  const BadRecipe cases[] = {
      {"unknown key", "name: x\nbase: scratch\nmodle:\n  - {src: m, dst: /m}\n", "stowage.yaml:3:1",
       "did you mean"},
      {"wrong type", "name: x\nbase: scratch\ncode: 42\n", "stowage.yaml:3:7", "code"},
      {"missing src", "name: x\nbase: scratch\ncode:\n  - {dst: /app}\n", "stowage.yaml:4:5",
       "src"},
      {"src escaping through ..",
       "name: x\nbase: scratch\ncode:\n  - {src: ../outside, dst: /app}\n",
       "stowage.yaml:4:", "outside"},
      {"src escaping through a symlink",
       "name: x\nbase: scratch\ncode:\n  - {src: link, dst: /app}\n", "stowage.yaml:4:", "link"},
      {"relative dst", "name: x\nbase: scratch\ncode:\n  - {src: app, dst: app}\n",
       "stowage.yaml:4:", "absolute"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      TempDir tmp;
      write_text(tmp / "outside/secret.txt", "no\n");
      write_text(tmp / "project/app/main.py", "x = 1\n");
      write_text(tmp / "project/m/w.bin", "w");
      fs::create_directory_symlink(tmp / "outside", tmp / "project/link");
      write_text(tmp / "project/stowage.yaml", c.yaml);
      auto r = run_stowage(
          {"build", (tmp / "project/stowage.yaml").string(), "--output", (tmp / "out").string()},
          tmp / "cache");
      INFO("stderr: " << r.err);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.err, Catch::StartsWith("stowage: error: ") && Catch::Contains(c.location) &&
                            Catch::Contains(c.mentions) && Catch::Contains("("));
      CHECK(r.out.empty());
      CHECK_FALSE(fs::exists(tmp / "out"));
    }
  }
}

TEST_CASE("a missing recipe is bad input") {
  TempDir tmp;
  auto r = run_stowage({"build", (tmp / "nope.yaml").string(), "--output", (tmp / "out").string()},
                       tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("nope.yaml"));
  CHECK_FALSE(fs::exists(tmp / "out"));
}

TEST_CASE("an unknown flag value is bad input") {
  TempDir tmp;
  auto r = run_stowage({"build", "--compression", "lz4"}, tmp / "cache");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("lz4"));
}

TEST_CASE("the recipe's user owns the copied content; everything else stays root's") {
  TempDir tmp;
  write_text(tmp / "src/app/main.py", "x = 1\n");
  write_text(tmp / "src/stowage.yaml", R"(name: owned
base: scratch
code:
  - {src: app/, dst: /srv/app}
user: "1000:1001"
)");
  auto out = tmp / "out";
  build_ok(tmp / "src/stowage.yaml", out, tmp / "cache");
  auto manifest = skopeo_raw_manifest(out, "latest");
  run_ok({"skopeo", "copy", "oci:" + out.string() + ":latest", "dir:" + (tmp / "dir").string()});
  std::string listing;
  for (const auto& layer : manifest["layers"]) {
    listing += run_ok({"tar", "-tv", "--numeric-owner", "--zstd", "-f",
                       (tmp / "dir" / layer["digest"].get<std::string>().substr(7)).string()});
  }
  INFO(listing);
  CHECK_THAT(listing,
             Catch::Matches(R"((.|\n)*1000/1001 +6 1970-01-01 00:00 srv/app/main\.py(.|\n)*)"));
  CHECK_THAT(listing, Catch::Matches(R"((.|\n)*1000/1001 +0 1970-01-01 00:00 srv/app/(.|\n)*)"));
  CHECK_THAT(listing, Catch::Matches(R"((.|\n)*0/0 +0 1970-01-01 00:00 srv/\n(.|\n)*)"));
  CHECK_THAT(listing, Catch::Matches(R"((.|\n)*0/0 +0 1970-01-01 00:00 etc/stowage/\n(.|\n)*)"));
  auto config = skopeo_config(out, "latest");
  CHECK(config["config"]["User"] == "1000:1001");
}
