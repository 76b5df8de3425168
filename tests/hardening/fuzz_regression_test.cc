// One test per defect the fuzzers (fuzz/) found, stating the behaviour now expected. The inputs
// that crashed are also kept in fuzz/corpus/<target>/crash-*, replayed by fuzz_replay_<target>.
#include <catch2/catch.hpp>

#include "builder/wheels/simple_index.h"
#include "core/error.h"

using namespace stowage::builder::wheels;

TEST_CASE("simple_html: malformed numeric character references stay text") {
  // Found by simple_html_fuzz: "&#x;" threw std::invalid_argument and "&#99999999999;"
  // std::out_of_range out of std::stoi, past every handler that expects stowage::Error.
  auto files = parse_simple_html(
      "<a href=\"a&#x;b&#99999999999;c&#;d&#xD800;e.whl\">x</a>"
      "<a href=\"caf&#233;-1.0-py3-none-any.whl#sha256=ab\">y</a>"
      "<a href=\"&#x2F;root&#47;z.whl\">z</a>",
      "https://index.invalid/simple/demo/");
  REQUIRE(files.size() == 3);
  CHECK(files[0].filename == "a&#x;b&#99999999999;c&#;d&#xD800;e.whl");
  // A valid reference is decoded as UTF-8 ("é"), not truncated to one byte.
  CHECK(files[1].filename == "caf\xC3\xA9-1.0-py3-none-any.whl");
  CHECK(files[1].sha256 == "ab");
  CHECK(files[2].url == "https://index.invalid/root/z.whl");
}

TEST_CASE("simple_json: entries and fields of the wrong type are skipped") {
  // Found by simple_json_fuzz: a non-object entry or a non-string filename threw
  // nlohmann::json::type_error.
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
