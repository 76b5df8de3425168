// One test per defect the fuzzers (fuzz/) found, stating the behaviour now expected. The inputs
// that crashed are also kept in fuzz/corpus/<target>/crash-*, replayed by fuzz_replay_<target>.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>

#include "core/error.h"
#include "core/file.h"
#include "layers/tar_reader.h"
#include "python/lock.h"
#include "python/simple_index.h"
#include "python/wheel_install.h"
#include "recipes/recipe.h"
#include "registry/reference.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace stowage::python;
namespace fs = std::filesystem;

namespace {

fs::path corpus(const std::string& target, const std::string& name) {
  return stowage::testing::source_dir() / "fuzz" / "corpus" / target / name;
}

}  // namespace

TEST_CASE("recipe: a stray ',' is a syntax error, not an endless loop") {
  // Found by recipe_fuzz (crash-hang-stray-comma): yaml-cpp's LoadAll returned empty documents
  // at offset 0 forever for ",", so `stowage build` hung, eating memory.
  for (const char* text : {",", ",a", "  ,\n", "name: x\n---\n,"}) {
    auto parsed = std::async(std::launch::async, [text = std::string(text)] {
      try {
        stowage::recipes::parse_recipe(text, "/nonexistent/stowage.yaml");
      } catch (const stowage::InputError& e) {
        return std::string(e.what());
      }
      return std::string();
    });
    REQUIRE(parsed.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    std::string error = parsed.get();
    INFO(text);
    CHECK_THAT(error, Catch::StartsWith("/nonexistent/stowage.yaml:"));
    CHECK_THAT(error, Catch::Contains("YAML") || Catch::Contains("more than one"));
  }
  CHECK_THROWS_WITH(stowage::recipes::parse_recipe(",", "/nonexistent/stowage.yaml"),
                    Catch::Contains("stowage.yaml:1:1: YAML syntax error: unexpected text"));
  // Multi-document recipes are still refused at the second document.
  CHECK_THROWS_WITH(stowage::recipes::parse_recipe("name: a\n---\nname: b\n", "/n/stowage.yaml"),
                    Catch::Contains("/n/stowage.yaml:3:1: the recipe holds more than one"));
}

TEST_CASE("pylock: an empty wheels list is refused like an sdist-only package") {
  // Found by pylock_fuzz (crash-empty-wheels-list): `wheels = []` was accepted with no file.
  const std::string hash(64, 'a');
  CHECK_THROWS_WITH(
      parse_pylock("lock-version = \"1.0\"\n[[packages]]\nname = \"attrs\"\nversion = \"1\"\n"
                   "sdist = { url = \"https://f.invalid/a.tar.gz\", hashes = { sha256 = \"" +
                       hash + "\" } }\nwheels = []\n",
                   "/p/pylock.toml", {}),
      Catch::Contains("package attrs is locked as an sdist only"));
  CHECK_THROWS_AS(parse_pylock(stowage::read_file(corpus("pylock", "crash-empty-wheels-list")),
                               "/p/pylock.toml", {}),
                  stowage::InputError);
}

TEST_CASE("requirements: a direct URL whose file name has an empty version is refused") {
  // Found by requirements_fuzz in the CI fuzz run (crash-direct-url-empty-version): "demo @
  // https://h/x--1-py3-none-any.whl" locked demo with an empty version.
  const std::string hash(64, 'a');
  CHECK_THROWS_WITH(
      parse_requirements(
          "demo @ https://h.invalid/demo--py3-none-any.whl --hash=sha256:" + hash + "\n",
          "/p/requirements.lock", {}),
      Catch::Contains("/p/requirements.lock:1:") &&
          Catch::Contains("\"demo--py3-none-any.whl\" is not a wheel file name"));
  CHECK_THROWS_AS(parse_requirements(
                      stowage::read_file(corpus("requirements", "crash-direct-url-empty-version")),
                      "/p/requirements.lock", {}),
                  stowage::InputError);
  // A proper direct URL still locks its version.
  auto lock = parse_requirements(
      "demo @ https://h.invalid/demo-1.2-py3-none-any.whl --hash=sha256:" + hash + "\n",
      "/p/requirements.lock", {});
  REQUIRE(lock.packages.size() == 1);
  CHECK(lock.packages[0].version == "1.2");
}

TEST_CASE("wheel: a zip whose error has no message is refused, not a crash") {
  // Found by wheel_fuzz (crash-null-error-string): libarchive gave no error string for a
  // damaged central directory and a NULL was appended to a std::string (SEGV).
  InstallScheme scheme{"lib", "lib", "bin", "include", "", "/usr/bin/python3"};
  try {
    auto installed = install_wheel(corpus("wheel", "crash-null-error-string"),
                                   "demo-1.0-py3-none-any.whl", scheme);
    for (const auto& f : installed.files) {
      if (f.entry.content_source)
        f.entry.content_source->stream([](std::span<const std::byte>) {});
    }
    FAIL("installed a damaged wheel");
  } catch (const stowage::Error& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("demo-1.0-py3-none-any.whl: "));
  }
}

TEST_CASE("tar: a blob that is not a tar is refused (and, under ASan, nothing leaks)") {
  // Found by tar_fuzz under LeakSanitizer (crash-leak-on-failed-open): the libarchive handle
  // leaked whenever the TarReader constructor threw.
  CHECK_THROWS_AS(
      [] {
        stowage::layers::TarReader reader(corpus("tar", "crash-leak-on-failed-open"));
        while (reader.next()) {
        }
      }(),
      stowage::Error);
}

TEST_CASE("reference: the 255-character limit applies to the normalised name") {
  // Found by reference_fuzz (crash-long-normalised-name): "a" * 241 parsed, but its own str(),
  // "docker.io/library/aaa…:latest", was refused as too long; Docker refuses both.
  using stowage::registry::Reference;
  CHECK_THROWS_WITH(Reference::parse(std::string(241, 'a')),
                    Catch::Contains("longer than 255 characters once qualified as "
                                    "docker.io/library/aaaa"));
  // 18 + 237 = 255: the longest Docker Hub library name, which round-trips.
  auto longest = Reference::parse(std::string(237, 'a'));
  CHECK(Reference::parse(longest.str()) == longest);
  CHECK_THROWS_AS(Reference::parse("ghcr.io/" + std::string(248, 'b')), stowage::InputError);
  CHECK_NOTHROW(Reference::parse("ghcr.io/" + std::string(247, 'b')));
}

TEST_CASE("simple_html: malformed numeric character references stay text") {
  // Found while writing simple_html_fuzz: its seed-entities input, "&#x;" threw
  // std::invalid_argument and "&#99999999999;" std::out_of_range out of std::stoi, past every
  // handler that expects stowage::Error.
  auto files = parse_simple_html(
      "<a href=\"x-1.0-py3-none-any.whl\" "
      "data-requires-python=\"&#x;&#99999999999;&#;&#xD800;&gt;=3\">x</a>"
      "<a href=\"caf&#233;-1.0-py3-none-any.whl#sha256=ab\">y</a>"
      "<a href=\"&#x2F;root&#47;z.whl\">z</a>",
      "https://index.invalid/simple/demo/");
  REQUIRE(files.size() == 3);
  CHECK(files[0].requires_python == "&#x;&#99999999999;&#;&#xD800;>=3");
  CHECK(files[1].filename == "caf\xC3\xA9-1.0-py3-none-any.whl");
  CHECK(files[1].sha256 == "ab");
  CHECK(files[2].url == "https://index.invalid/root/z.whl");
}

TEST_CASE("simple_json: entries and fields of the wrong type are skipped") {
  // Found while writing simple_json_fuzz (its seed-odd-types input): a non-object entry or a
  // non-string filename threw nlohmann::json::type_error.
  auto files = parse_simple_json(
      R"({"files": [1, "x", null, [], {"filename": 3, "url": "a.whl"},
                    {"filename": "b.whl", "url": ["b.whl"]},
                    {"filename": "c-1.0-py3-none-any.whl", "url": "c.whl",
                     "hashes": {"sha256": 5}, "requires-python": 3, "yanked": 1},
                    {"filename": "d-1.0-py3-none-any.whl", "url": "d.whl#sha256=dd",
                     "hashes": []}]})",
      "https://index.invalid/simple/demo/");
  REQUIRE(files.size() == 2);
  CHECK(files[0].filename == "c-1.0-py3-none-any.whl");
  CHECK_FALSE(files[0].sha256.has_value());
  CHECK(files[0].requires_python.empty());
  CHECK_FALSE(files[0].yanked);
  CHECK(files[1].url == "https://index.invalid/simple/demo/d.whl");
  CHECK(files[1].sha256 == "dd");
  // Not an object at all: a clear Error, not a library exception.
  CHECK_THROWS_AS(parse_simple_json("[1, 2]", "https://index.invalid/simple/demo/"),
                  stowage::Error);
  CHECK_THROWS_AS(parse_simple_json("{\"files\": 1", "https://index.invalid/simple/demo/"),
                  stowage::Error);
}

TEST_CASE("pylock: a file size that is not a non-negative integer is refused") {
  // Found by pylock_fuzz under UBSan (crash-float-size): `size = 63E152` is a TOML float, and
  // reading it as an integer converted it with undefined behaviour.
  auto text = stowage::read_file(corpus("pylock", "crash-float-size"));
  CHECK_THROWS_WITH(parse_pylock(text, "/p/pylock.toml", {}),
                    Catch::Contains("size that is not a non-negative integer"));
  for (const char* size : {"63E152", "-1", "\"12\""}) {
    std::string lock = std::string(
                           "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n"
                           "version = \"1.0\"\nwheels = [{ url = "
                           "\"https://files.invalid/a-1.0-py3-none-any.whl\", size = ") +
                       size + ", hashes = { sha256 = \"" + std::string(64, 'a') + "\" } }]\n";
    INFO(lock);
    CHECK_THROWS_WITH(parse_pylock(lock, "/p/pylock.toml", {}),
                      Catch::Contains("pylock.toml") && Catch::Contains("non-negative integer"));
  }
}
