#include "core/file.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "core/error.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using stowage::AtomicFile;
using stowage::testing::TempDir;

namespace {
std::size_t count_entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}
}  // namespace

TEST_CASE("an atomic file appears only on commit") {
  TempDir tmp;
  auto target = tmp / "index.json";
  {
    AtomicFile f(target);
    f.write(std::string_view("{}"));
    CHECK_FALSE(fs::exists(target));
    f.commit();
  }
  CHECK(stowage::read_file(target) == "{}");
  CHECK(count_entries(tmp.path()) == 1);
}

TEST_CASE("an atomic file abandoned before commit leaves nothing behind") {
  TempDir tmp;
  auto target = tmp / "blob";
  {
    AtomicFile f(target);
    f.write(std::string_view("partial"));
  }
  CHECK_FALSE(fs::exists(target));
  CHECK(count_entries(tmp.path()) == 0);
}

TEST_CASE("an atomic file can be committed under a name known only after writing") {
  TempDir tmp;
  {
    AtomicFile f(tmp / "incoming");
    f.write(std::string_view("content"));
    f.commit_as(tmp / "named-by-content");
  }
  CHECK(stowage::read_file(tmp / "named-by-content") == "content");
  CHECK_FALSE(fs::exists(tmp / "incoming"));
  CHECK(count_entries(tmp.path()) == 1);
}

TEST_CASE("an atomic file replaces the old content whole") {
  TempDir tmp;
  auto target = tmp / "index.json";
  stowage::write_file_atomically(target, "old");
  stowage::write_file_atomically(target, "new content");
  CHECK(stowage::read_file(target) == "new content");
}

TEST_CASE("reading a missing file names it") {
  TempDir tmp;
  try {
    stowage::read_file(tmp / "nope");
    FAIL("expected an error");
  } catch (const stowage::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("nope") && Catch::Contains("No such file"));
  }
}
