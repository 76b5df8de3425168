#include "python/base_python.h"

#include <catch2/catch.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using stowage::testing::run_ok;
using stowage::testing::TempDir;

namespace {

// Writes a tar layer at `tar` with the given files (empty) and directories (names ending '/').
void write_layer(const std::filesystem::path& tar, const std::vector<std::string>& names) {
  std::vector<std::string> argv = {"python3", "-c",
                                   "import sys, tarfile\n"
                                   "with tarfile.open(sys.argv[1], 'w') as t:\n"
                                   "  for name in sys.argv[2:]:\n"
                                   "    i = tarfile.TarInfo(name.rstrip('/'))\n"
                                   "    if name.endswith('/'): i.type = tarfile.DIRTYPE\n"
                                   "    t.addfile(i)\n",
                                   tar.string()};
  argv.insert(argv.end(), names.begin(), names.end());
  run_ok(argv);
}

}  // namespace

TEST_CASE("an opaque directory in an upper layer hides a lower layer's interpreter") {
  TempDir dir;
  write_layer(dir.path() / "lower.tar",
              {"usr/", "usr/local/", "usr/local/lib/", "usr/local/lib/python3.11/",
               "usr/local/lib/python3.11/os.py", "usr/lib/", "usr/lib/python3.12/",
               "usr/lib/python3.12/os.py"});
  write_layer(dir.path() / "upper.tar", {"usr/local/lib/", "usr/local/lib/.wh..wh..opq"});
  auto python = stowage::python::probe_base_python(
      {dir.path() / "lower.tar", dir.path() / "upper.tar"}, dir.path() / "cache", "opaque");
  REQUIRE(python.interpreters.size() == 1);
  CHECK(python.interpreters[0].version == "3.12");
  CHECK(python.interpreters[0].executable == "/usr/bin/python3.12");
}

TEST_CASE("a whiteout removes an interpreter; a later layer brings one back") {
  TempDir dir;
  write_layer(dir.path() / "l1.tar", {"usr/lib/python3.10/os.py", "usr/lib/python3.11/os.py"});
  write_layer(dir.path() / "l2.tar", {"usr/lib/.wh.python3.10", "usr/lib/.wh.python3.11"});
  write_layer(dir.path() / "l3.tar", {"usr/lib/python3.11/os.py"});
  auto python = stowage::python::probe_base_python(
      {dir.path() / "l1.tar", dir.path() / "l2.tar", dir.path() / "l3.tar"}, dir.path() / "cache",
      "whiteout");
  REQUIRE(python.interpreters.size() == 1);
  CHECK(python.interpreters[0].version == "3.11");
}
