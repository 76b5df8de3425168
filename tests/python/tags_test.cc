#include "python/tags.h"

#include <catch2/catch.hpp>

#include "core/file.h"
#include "python/base_python.h"
#include "tests/support/process.h"

using namespace stowage::python;

namespace {

std::optional<std::size_t> rank(const TagRanker& r, const std::string& filename) {
  auto w = parse_wheel_name(filename);
  REQUIRE(w);
  return r.rank(*w);
}

TagTarget bookworm() {
  TagTarget t;
  t.python_minor = 11;
  t.glibc_major = 2;
  t.glibc_minor = 36;
  return t;
}

}  // namespace

TEST_CASE("wheel names are taken apart, build tags and compressed tag sets included") {
  auto w =
      parse_wheel_name("numpy-2.1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  REQUIRE(w);
  CHECK(w->distribution == "numpy");
  CHECK(w->version == "2.1.0");
  CHECK(w->build == "1");
  CHECK(w->platform == std::vector<std::string>{"manylinux_2_17_x86_64", "manylinux2014_x86_64"});
  CHECK(parse_wheel_name("six-1.16.0-py2.py3-none-any.whl")->python ==
        std::vector<std::string>{"py2", "py3"});
  CHECK_FALSE(parse_wheel_name("numpy-2.1.0.tar.gz"));
  CHECK_FALSE(parse_wheel_name("bad-name.whl"));
}

TEST_CASE(
    "glibc target: own ABI over abi3 over pure Python; too-new glibc, musl and other Pythons "
    "refused") {
  TagRanker r(bookworm());
  auto own = rank(r, "x-1-cp311-cp311-manylinux_2_28_x86_64.whl");
  auto legacy = rank(r, "x-1-cp311-cp311-manylinux2014_x86_64.whl");
  auto older = rank(r, "x-1-cp311-cp311-manylinux1_x86_64.whl");
  auto abi3 = rank(r, "x-1-cp38-abi3-manylinux_2_17_x86_64.whl");
  auto pure = rank(r, "x-1-py3-none-any.whl");
  REQUIRE((own && legacy && older && abi3 && pure));
  CHECK(*own < *legacy);
  CHECK(*legacy < *older);
  CHECK(*older < *abi3);
  CHECK(*abi3 < *pure);
  CHECK(rank(r, "x-1-cp311-cp311-manylinux_2_36_x86_64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp311-cp311-manylinux_2_37_x86_64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp311-cp311-musllinux_1_1_x86_64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp312-cp312-manylinux_2_17_x86_64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp312-abi3-manylinux_2_17_x86_64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp311-cp311-manylinux_2_17_aarch64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp311-cp311-win_amd64.whl"));
  CHECK(rank(r, "x-1-py2.py3-none-any.whl"));
  CHECK(r.describe() == "CPython 3.11, manylinux_2_36_x86_64");
}

TEST_CASE("musl target takes musllinux and refuses manylinux") {
  TagTarget t;
  t.python_minor = 12;
  t.arch = "aarch64";
  t.musl_major = 1;
  t.musl_minor = 2;
  TagRanker r(t);
  CHECK(rank(r, "x-1-cp312-cp312-musllinux_1_1_aarch64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp312-cp312-musllinux_1_3_aarch64.whl"));
  CHECK_FALSE(rank(r, "x-1-cp312-cp312-manylinux_2_17_aarch64.whl"));
  CHECK(machine_of_architecture("arm64") == "aarch64");
}

TEST_CASE("the glibc version is read from libc.so.6's symbol versions") {
  std::string libc = std::string(
                         "\x7f"
                         "ELF") +
                     std::string(100, '\0') + "GLIBC_2.2.5" + std::string(1, '\0') + "GLIBC_2.36" +
                     std::string(1, '\0') + "GLIBC_2.4" + std::string(1, '\0') + "GLIBC_PRIVATE";
  CHECK(glibc_version_in(libc) == std::pair{2, 36});
  CHECK(glibc_version_in("no versions here") == std::pair{0, 0});
}

TEST_CASE("the host's own libc.so.6 gives the version getconf reports") {
  std::filesystem::path libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  if (!std::filesystem::exists(libc))
    return;
  auto version = glibc_version_in(stowage::read_file(libc));
  std::string getconf = stowage::testing::run_ok({"getconf", "GNU_LIBC_VERSION"});  // "glibc 2.36"
  CHECK("glibc " + std::to_string(version.first) + "." + std::to_string(version.second) + "\n" ==
        getconf);
}
