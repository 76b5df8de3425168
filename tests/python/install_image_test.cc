// Python wheels end to end: a local PEP 503 index on loopback (python3 -m http.server) holding
// Debian's real pip and setuptools wheels plus generated ones, a Debian bookworm base made by
// mmdebstrap, `stowage build`, then the image run by runc: imports, console scripts, pip list,
// pip check. And the refusals: wrong hash, unpinned lines, sdists, no fitting wheel.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::testing;

namespace {

const fs::path kPython = "/usr/bin/python3";

// The wheelhouse, its index server and the base, made once per test binary.
struct World {
  TempDir tmp;
  fs::path house = tmp / "house";
  int port = free_port();
  std::unique_ptr<BackgroundProcess> server;
  fs::path base = fs::path(STOWAGE_TEST_CACHE) / "bookworm-python3.tar";

  World() {
    run_ok({kPython.string(), (source_dir() / "tests/python/wheelhouse.py").string(), "make",
            house.string()});
    server = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{kPython.string(), "-m", "http.server", std::to_string(port),
                                 "--bind", "127.0.0.1", "--directory", house.string()},
        tmp / "http.log");
    REQUIRE(wait_for_port(port));
    RunOptions slow;
    slow.timeout = std::chrono::seconds(900);
    run_ok({(source_dir() / "scripts/make-base.sh").string(), base.string(), "python3"}, slow);
  }
  std::string index() const { return "http://127.0.0.1:" + std::to_string(port) + "/simple"; }
};

World& world() {
  static World w;
  return w;
}

std::string sha256_of(const fs::path& file) {
  std::string out = run_ok({"sha256sum", file.string()});
  return out.substr(0, 64);
}

void write_recipe(const fs::path& dir, const std::string& lock_name,
                  const std::string& extra = "") {
  write_text(dir / "stowage.yaml", "name: wheels-e2e\nbase: rootfs:" + world().base.string() +
                                       "\npython_requirements: " + lock_name + "\npython_index: [" +
                                       world().index() + "]\n" +
                                       "layering: {own_layer_threshold: 1Mi}\n" + extra);
}

ProcessResult run_stowage(const std::vector<std::string>& args, const fs::path& cache) {
  std::vector<std::string> argv{stowage_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.env = {{"STOWAGE_CACHE", cache.string()}};
  return run(argv, options);
}

// Unpacks the layout with umoci and runs `script` in it with runc; returns its stdout.
std::string run_in_image(const fs::path& layout, const fs::path& work, const std::string& id,
                         const std::string& script) {
  fs::path bundle = work / "bundle";
  run_ok({"umoci", "unpack", "--image", layout.string() + ":latest", bundle.string()});
  auto config = nlohmann::json::parse(stowage::read_file(bundle / "config.json"));
  config["process"]["terminal"] = false;
  config["process"]["args"] = {"/bin/sh", "-c", script};
  config["process"]["env"] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root",
                              "PYTHONDONTWRITEBYTECODE=1"};
  config["linux"].erase("resources");
  auto& ns = config["linux"]["namespaces"];
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& n : ns) {
    if (n["type"] != "network" && n["type"] != "cgroup")
      kept.push_back(n);
  }
  ns = kept;
  stowage::write_file_atomically(bundle / "config.json", config.dump());
  RunOptions options;
  options.cwd = bundle;
  auto r = run({"runc", "run", id}, options);
  run({"runc", "delete", "-f", id});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("a lock installs into an image that runs: imports, scripts, pip list and pip check") {
  World& w = world();
  TempDir tmp;
  fs::copy_file(w.house / "requirements.lock", tmp / "requirements.lock");
  write_recipe(tmp.path(), "requirements.lock");
  auto r = run_stowage({"build", (tmp / "stowage.yaml").string(), "--output",
                        (tmp / "out").string(), "--compression", "gzip", "--json"},
                       tmp / "cache");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);

  // pip and setuptools are over the 1 MiB threshold: a layer each; the small wheels share one.
  auto result = nlohmann::json::parse(r.out);
  std::vector<std::string> descriptions;
  for (const auto& l : result["layers"])
    descriptions.push_back(l["description"]);
  CHECK(std::count(descriptions.begin(), descriptions.end(), "dependencies: pip==23.0.1") == 1);
  CHECK(std::count(descriptions.begin(), descriptions.end(), "dependencies: setuptools==66.1.1") ==
        1);

  std::string out = run_in_image(
      tmp / "out", tmp.path(), "stowage-wheels-e2e",
      "set -e; python3 -c 'import demo_cli, demo_data, demo_data_extra, demo_native, demo_abi3, "
      "pip, pkg_resources, _distutils_hack; print(demo_native.KIND, demo_abi3.ABI)';"
      "demo-cli; demo-data-tool; head -1 /usr/local/bin/demo-cli; cat "
      "/usr/local/share/demo-data/info.txt;"
      "ls -l /usr/local/lib/python3.11/dist-packages/demo_native/_speedups.so | cut -c1-10;"
      "python3 -m pip list --format=json; python3 -m pip check");
  CHECK(out.find("native abi3\n") != std::string::npos);
  CHECK(out.find("hello from demo-cli\n") != std::string::npos);
  CHECK(out.find("tool /usr/local/lib/python3.11/dist-packages/demo_data\n") != std::string::npos);
  CHECK(out.find("#!/usr/bin/python3.11\n") != std::string::npos);
  CHECK(out.find("shared data\n") != std::string::npos);
  CHECK(out.find("-rwxr-xr-x\n") != std::string::npos);
  CHECK(out.find("No broken requirements found.") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex(R"(\[\{.*\}\])")));
  auto listed = nlohmann::json::parse(m.str());
  std::map<std::string, std::string> versions;
  for (const auto& p : listed)
    versions[p["name"]] = p["version"];
  CHECK(versions == std::map<std::string, std::string>{{"demo-abi3", "1.1"},
                                                       {"demo-cli", "1.0"},
                                                       {"demo-data", "2.0"},
                                                       {"demo-native", "0.3"},
                                                       {"pip", "23.0.1"},
                                                       {"setuptools", "66.1.1"}});
}

TEST_CASE("a PEP 751 pylock.toml gives the same image as the requirements lock") {
  World& w = world();
  TempDir tmp;
  fs::copy(w.house / "files", tmp / "files");
  fs::copy_file(w.house / "pylock.toml", tmp / "pylock.toml");
  fs::copy_file(w.house / "requirements.lock", tmp / "requirements.lock");
  write_recipe(tmp.path(), "pylock.toml");
  auto a = run_stowage({"build", (tmp / "stowage.yaml").string(), "--output", (tmp / "a").string()},
                       tmp / "cache");
  INFO(a.err);
  REQUIRE(a.exit_code == 0);
  write_recipe(tmp.path(), "requirements.lock");
  auto b = run_stowage({"build", (tmp / "stowage.yaml").string(), "--output", (tmp / "b").string()},
                       tmp / "cache2");
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  // Same content layers (the meta layer names the recipe's digest, which differs).
  auto layers_of = [&](const fs::path& layout) {
    auto index = nlohmann::json::parse(stowage::read_file(layout / "index.json"));
    std::string digest = index["manifests"][0]["digest"];
    auto manifest =
        nlohmann::json::parse(stowage::read_file(layout / "blobs/sha256" / digest.substr(7)));
    std::vector<std::string> out;
    for (const auto& l : manifest["layers"])
      out.push_back(l["digest"]);
    out.pop_back();
    return out;
  };
  CHECK(layers_of(tmp / "a") == layers_of(tmp / "b"));
}

TEST_CASE("a wrong hash aborts with the file, the expected and the actual hash, and no layer") {
  World& w = world();
  TempDir tmp;
  std::string lock = stowage::read_file(w.house / "requirements.lock");
  std::string real = sha256_of(w.house / "files/demo_cli-1.0-py3-none-any.whl");
  std::string wrong(64, 'a');
  lock = std::regex_replace(lock, std::regex(real), wrong);
  write_text(tmp / "requirements.lock", lock);
  write_recipe(tmp.path(), "requirements.lock");
  auto r =
      run_stowage({"build", (tmp / "stowage.yaml").string(), "--output", (tmp / "out").string()},
                  tmp / "cache");
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("hash mismatch for demo_cli-1.0-py3-none-any.whl") != std::string::npos);
  CHECK(r.err.find("expected sha256:" + wrong) != std::string::npos);
  CHECK(r.err.find("sha256:" + real) != std::string::npos);
  CHECK(r.err.find("requirements.lock:") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp / "out"));
  // The only layer the cache holds is the imported base; no content layer was made.
  auto entries =
      std::distance(fs::directory_iterator(tmp / "cache/layers"), fs::directory_iterator());
  CHECK(entries == 1);
  CHECK_FALSE(fs::exists(tmp / "cache/wheels/files" / real));

  // The index's own #sha256= is not what is checked: a server that lies is caught too.
  TempDir tmp2;
  fs::create_directories(tmp2 / "links");
  fs::copy_file(w.house / "files/demo_cli-1.0-py3-none-any.whl",
                tmp2 / "links/demo_cli-1.0-py3-none-any.whl");
  write_text(tmp2 / "requirements.lock",
             "--find-links links\ndemo-cli==1.0 --hash=sha256:" + wrong + "\n");
  write_recipe(tmp2.path(), "requirements.lock");
  auto r2 =
      run_stowage({"build", (tmp2 / "stowage.yaml").string(), "--output", (tmp2 / "out").string()},
                  tmp2 / "cache");
  CHECK(r2.exit_code == 1);
  CHECK(r2.err.find("expected sha256:" + wrong + ", got sha256:" + real) != std::string::npos);
  CHECK_FALSE(fs::exists(tmp2 / "out"));
}

TEST_CASE("a warm build reads no wheel bytes; the layer comes from the wheels' digests") {
  World& w = world();
  TempDir tmp;
  fs::copy_file(w.house / "requirements.lock", tmp / "requirements.lock");
  write_recipe(tmp.path(), "requirements.lock");
  auto build = [&](const std::string& out) {
    auto r = run_stowage(
        {"build", (tmp / "stowage.yaml").string(), "--output", (tmp / out).string(), "--json"},
        tmp / "cache");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
  };
  auto cold = build("a");
  CHECK(cold["bytesRead"].get<std::int64_t>() > 0);
  // No unpacked copy of any wheel exists anywhere in the cache.
  CHECK_FALSE(fs::exists(tmp / "cache/wheels/installed"));
  auto warm = build("b");
  CHECK(warm["bytesRead"].get<std::int64_t>() == 0);
  REQUIRE(warm["layers"].size() == cold["layers"].size());
  for (std::size_t i = 0; i < warm["layers"].size(); ++i) {
    const auto& l = warm["layers"][i];
    INFO(l["description"]);
    CHECK(l["digest"] == cold["layers"][i]["digest"]);
    if (l["class"] != "meta")
      CHECK(l["cached"] == true);
  }
}

TEST_CASE("a file that differs from its wheel's RECORD aborts the build, leaving nothing") {
  world();
  TempDir tmp;
  // A wheel whose download hash is right (the lock has it) but whose RECORD lies about one
  // big file: the mismatch shows only once that file has streamed into the layer.
  fs::create_directories(tmp / "links");
  fs::path wheel = tmp / "links/liar-1.0-py3-none-any.whl";
  run_ok({kPython.string(), "-c",
          "import os, sys, zipfile\n"
          "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
          "  z.writestr('liar-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: "
          "true\\n')\n"
          "  z.writestr('liar-1.0.dist-info/METADATA', 'Name: liar\\nVersion: 1.0\\n')\n"
          "  z.writestr('liar/big.so', os.urandom(4 << 20))\n"
          "  z.writestr('liar-1.0.dist-info/RECORD', 'liar/big.so,sha256=AAAA,4194304\\n')\n",
          wheel.string()});
  write_text(tmp / "requirements.lock",
             "--find-links links\nliar==1.0 --hash=sha256:" + sha256_of(wheel) + "\n");
  write_recipe(tmp.path(), "requirements.lock");
  auto r =
      run_stowage({"build", (tmp / "stowage.yaml").string(), "--output", (tmp / "out").string()},
                  tmp / "cache");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("liar-1.0-py3-none-any.whl: liar/big.so does not match the "
                                    "wheel's RECORD (sha256=AAAA recorded, sha256="));
  CHECK_FALSE(fs::exists(tmp / "out"));
  // The cache holds the imported base's layer record and no other: no content layer was
  // recorded. Its blobs are the base's and at most the tiny meta layer's (built alongside);
  // nothing of the 4 MiB the abandoned layer had streamed, not even a temporary file.
  auto count = [](const fs::path& dir) {
    return std::distance(fs::directory_iterator(dir), fs::directory_iterator());
  };
  CHECK(count(tmp / "cache/layers") == 1);
  auto record = nlohmann::json::parse(
      stowage::read_file(fs::directory_iterator(tmp / "cache/layers")->path()));
  std::string base_blob = record["digest"].get<std::string>().substr(7);
  for (const auto& e : fs::directory_iterator(tmp / "cache/blobs/sha256")) {
    INFO(e.path());
    if (e.path().filename() != base_blob)
      CHECK(fs::file_size(e.path()) < (64 << 10));
  }
}

TEST_CASE("unpinned and unhashed lines, sdists and unfitting wheels are refused with why") {
  World& w = world();
  TempDir tmp;
  auto refused = [&](const std::string& lock_text) {
    write_text(tmp / "requirements.lock", lock_text);
    write_recipe(tmp.path(), "requirements.lock");
    auto r =
        run_stowage({"build", (tmp / "stowage.yaml").string(), "--output", (tmp / "out").string()},
                    tmp / "cache");
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(tmp / "out"));
    return r.err;
  };
  std::string err = refused("pip>=23\n");
  CHECK(err.find("requirements.lock:1:1: pip>=23 is not pinned") != std::string::npos);
  CHECK(err.find("pip-compile --generate-hashes") != std::string::npos);
  CHECK(err.find("uv pip compile --generate-hashes") != std::string::npos);
  err = refused("# header\npip==23.0.1\n");
  CHECK(err.find("requirements.lock:2:1: pip==23.0.1 has no --hash") != std::string::npos);

  // A version the index lacks, an sdist-only package and wheels for other targets.
  std::string native_hash =
      sha256_of(w.house / "files/demo_native-0.3-cp311-cp311-musllinux_1_1_x86_64.whl");
  err = refused("demo-native==0.4 --hash=sha256:" + native_hash + "\n");
  CHECK(err.find("is on none of the indexes") != std::string::npos);

  fs::create_directories(tmp / "links");
  write_text(tmp / "links/onlysrc-1.0.tar.gz", "not really");
  write_text(tmp / "links/plat-1.0-cp311-cp311-manylinux_2_99_x86_64.whl", "x");
  write_text(tmp / "links/plat-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "x");
  err = refused("--find-links links\nonlysrc==1.0 --hash=sha256:" + native_hash + "\n");
  CHECK(err.find("onlysrc==1.0 is only available as an sdist") != std::string::npos);
  CHECK(err.find("build backend") != std::string::npos);
  err = refused("--find-links links\nplat==1.0 --hash=sha256:" + native_hash + "\n");
  CHECK(err.find("no wheel of plat==1.0 fits CPython 3.11, manylinux_2_36_x86_64") !=
        std::string::npos);
  CHECK(err.find("plat-1.0-cp311-cp311-manylinux_2_99_x86_64.whl") != std::string::npos);
  CHECK(err.find("plat-1.0-cp312-cp312-manylinux_2_17_x86_64.whl") != std::string::npos);
}
