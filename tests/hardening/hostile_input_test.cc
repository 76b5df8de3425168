// Hostile archives and wheels (docs/security.md, threats 1 and 2): each shape is refused with an
// error that names the entry, and nothing is left behind. The shapes come from fuzz/make_seeds.py,
// the generator of the fuzz seed corpora, so the fuzzers start from exactly what is tested here.
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/error.h"
#include "layers/tar_reader.h"
#include "python/base_python.h"
#include "python/wheel_install.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage;
using namespace stowage::testing;

namespace {

// The seeds, generated once per test run into a temp dir.
const fs::path& seeds() {
  static TempDir dir;
  static bool made = false;
  if (!made) {
    run_ok({"python3", (source_dir() / "fuzz" / "make_seeds.py").string(), dir.path().string()});
    made = true;
  }
  return dir.path();
}

python::InstallScheme scheme() {
  return {"usr/lib/python3/dist-packages",
          "usr/lib/python3/dist-packages",
          "usr/bin",
          "usr/include/python3.11",
          "usr",
          "/usr/bin/python3"};
}

// The error installing `wheel` and streaming every file it installs (as a layer would), ""
// if it installed.
std::string install_error(const fs::path& wheel) {
  try {
    auto installed = python::install_wheel(wheel, "demo-1.0-py3-none-any.whl", scheme());
    for (const auto& f : installed.files) {
      if (f.entry.content_source)
        f.entry.content_source->stream([](std::span<const std::byte>) {});
    }
  } catch (const Error& e) {
    CHECK(e.exit_code() == 1);
    return e.what();
  }
  return "";
}

// The same for the seed wheel `name`.
std::string wheel_error(const std::string& name) {
  return install_error(seeds() / "wheel" / ("seed-" + name));
}

// The error reading every entry of the tar `file`, "" when it reads through.
std::string tar_file_error(const fs::path& file) {
  try {
    layers::TarReader reader(file);
    while (reader.next()) {
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The same for the seed tar `name`.
std::string tar_error(const std::string& name) {
  return tar_file_error(seeds() / "tar" / ("seed-" + name));
}

}  // namespace

TEST_CASE("hostile wheels are refused, naming the entry; a good one installs") {
  CHECK(wheel_error("good").empty());
  CHECK_THAT(wheel_error("traversal"),
             Catch::Contains("escapes the install directory: ../../escape.py"));
  CHECK_THAT(wheel_error("absolute"),
             Catch::Contains("escapes the install directory: /etc/escape"));
  CHECK_THAT(wheel_error("data-traversal"),
             Catch::Contains("escapes the install directory: demo-1.0.data/data/../../../x"));
  // A symlink entry followed by a file beneath it: the link itself is refused first.
  CHECK_THAT(wheel_error("symlink"), Catch::Contains("special entry (link or device): demo/link"));
  CHECK_THAT(wheel_error("device"), Catch::Contains("special entry (link or device): demo/dev"));
  CHECK_THAT(wheel_error("bomb"), Catch::Contains("zip bomb"));
  CHECK_THAT(wheel_error("no-record"), Catch::Contains("has no demo-1.0.dist-info/RECORD"));
}

TEST_CASE("a wheel whose file is also a directory is refused with a clear error") {
  // Found by the wheel fuzzer: "demo/a" as a file, then "demo/a/b" beneath it.
  TempDir dir;
  run_ok(
      {"python3", "-c",
       "import sys, zipfile\n"
       "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
       "  z.writestr('demo-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\n')\n"
       "  z.writestr('demo-1.0.dist-info/RECORD', '')\n"
       "  z.writestr('demo/a', 'file')\n"
       "  z.writestr('demo/a/b', 'beneath a file')\n",
       (dir / "w.whl").string()});
  CHECK_THAT(install_error(dir / "w.whl"), Catch::Contains("demo/a/b"));
}

TEST_CASE("a zip whose headers claim absurd sizes is refused as damaged") {
  TempDir dir;
  // Sizes in the central directory and local header patched to 0xfffffff0.
  run_ok(
      {"python3", "-c",
       "import sys, zipfile, struct\n"
       "p = sys.argv[1]\n"
       "with zipfile.ZipFile(p, 'w') as z:\n"
       "  z.writestr('demo-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\n')\n"
       "  z.writestr('demo-1.0.dist-info/RECORD', '')\n"
       "  z.writestr('demo/big', 'small')\n"
       "b = bytearray(open(p, 'rb').read())\n"
       "for sig, off in ((b'PK\\x01\\x02', 20), (b'PK\\x03\\x04', 18)):\n"
       "  i = b.rfind(sig)\n"
       "  b[i + off:i + off + 8] = struct.pack('<II', 0xfffffff0, 0xfffffff0)\n"
       "open(p, 'wb').write(b)\n",
       (dir / "w.whl").string()});
  std::string error = install_error(dir / "w.whl");
  INFO(error);
  CHECK_THAT(error, Catch::StartsWith("demo-1.0-py3-none-any.whl: "));
}

TEST_CASE("hostile layer tars are refused by the tar reader, naming the entry") {
  CHECK(tar_error("plain").empty());
  CHECK(tar_error("gzip").empty());
  CHECK(tar_error("zstd").empty());
  CHECK_THAT(tar_error("traversal"), Catch::Contains("\"../escape\" contains a '..' component"));
  CHECK_THAT(tar_error("absolute"), Catch::Contains("\"/etc/passwd\" is absolute"));
  CHECK_THAT(tar_error("hardlink-out"),
             Catch::Contains("hard link target of h \"../../etc/shadow\" contains a '..'"));
  CHECK_THAT(tar_error("symlink-then-file"),
             Catch::Contains("entry \"s/passwd\" lies beneath the symlink \"s\""));
  CHECK_THAT(tar_error("absurd-size"), Catch::Contains("cannot read"));
}

TEST_CASE("the tar reader reports devices and FIFOs as 'other' and reads on") {
  layers::TarReader reader(seeds() / "tar" / "seed-device");
  auto dev = reader.next();
  REQUIRE(dev);
  CHECK(dev->path == "dev/null");
  CHECK(dev->type == layers::TarReaderEntry::Type::other);
  auto fifo = reader.next();
  REQUIRE(fifo);
  CHECK(fifo->type == layers::TarReaderEntry::Type::other);
  CHECK_FALSE(reader.next());
}

TEST_CASE(
    "a symlink replaced by a directory may hold entries again; a hard link through a "
    "symlink may not") {
  TempDir dir;
  run_ok({"python3", "-c",
          "import io, sys, tarfile\n"
          "def add(t, name, kind, link=''):\n"
          "  i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; t.addfile(i)\n"
          "with tarfile.open(sys.argv[1], 'w') as t:\n"
          "  add(t, 's', tarfile.SYMTYPE, '/etc')\n"
          "  add(t, 's', tarfile.DIRTYPE)\n"
          "  add(t, 's/f', tarfile.REGTYPE)\n"
          "with tarfile.open(sys.argv[2], 'w') as t:\n"
          "  add(t, 'root', tarfile.SYMTYPE, '/')\n"
          "  add(t, 'h', tarfile.LNKTYPE, 'root/etc/shadow')\n",
          (dir / "replaced.tar").string(), (dir / "hardlink.tar").string()});
  CHECK(tar_file_error(dir / "replaced.tar").empty());
  CHECK_THAT(tar_file_error(dir / "hardlink.tar"),
             Catch::Contains("hard link target of h \"root/etc/shadow\" lies beneath the symlink "
                             "\"root\""));
}

TEST_CASE("probing a hostile base layer never throws a stray exception") {
  // Found by review of base_python.cc: version numbers too big for an int threw
  // std::out_of_range from std::stoi, which reached the user as "stoi".
  TempDir dir;
  run_ok(
      {"python3", "-c",
       "import io, sys, tarfile\n"
       "with tarfile.open(sys.argv[1], 'w') as t:\n"
       "  for name, kind, link in (('lib/x86_64-linux-gnu/libc.so.6', tarfile.SYMTYPE,\n"
       "                            'libc-2.99999999999.so'),\n"
       "                           ('usr/lib/libc-2.88888888888.so', tarfile.SYMTYPE, 'x'),\n"
       "                           ('usr/lib/python3.99999999999/os.py', tarfile.REGTYPE, '')):\n"
       "    i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; t.addfile(i)\n",
       (dir / "layer.tar").string()});
  auto python = python::probe_base_python({dir / "layer.tar"}, dir / "cache", "hostile");
  CHECK(python.glibc_major <= 2);
}
