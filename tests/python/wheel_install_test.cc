#include "python/wheel_install.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "layers/blob_store.h"
#include "layers/layer_writer.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::python;
using namespace stowage::testing;

namespace {

InstallScheme debian_scheme() {
  InstallScheme s;
  s.purelib = "usr/local/lib/python3.11/dist-packages";
  s.platlib = s.purelib;
  s.scripts = "usr/local/bin";
  s.headers = "usr/local/include/python3.11";
  s.data = "usr/local";
  s.interpreter = "/usr/bin/python3.11";
  return s;
}

std::uint32_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Builds a wheel with Python's zipfile from a literal {path: bytes} dict and a RECORD text.
fs::path make_zip(const fs::path& dir, const std::string& name, const std::string& entries_py) {
  fs::path out = dir / name;
  run_ok({STOWAGE_PYTHON, "-c",
          "import sys, zipfile\n"
          "entries = " +
              entries_py +
              "\n"
              "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
              "    for k, v in entries.items(): z.writestr(k, v)\n",
          out.string()});
  return out;
}

// The wheel's files written under `root`, as the image will have them: content streamed from
// the wheel (and checked against RECORD) or generated; modes as the tar writer normalises them.
InstalledWheel install_into(const fs::path& wheel, const std::string& filename,
                            const fs::path& root) {
  auto installed = install_wheel(wheel, filename, debian_scheme());
  for (const auto& f : installed.files) {
    fs::path host = root / f.entry.path;
    fs::create_directories(host.parent_path());
    std::string bytes;
    if (f.entry.content) {
      bytes = *f.entry.content;
    } else {
      REQUIRE(f.entry.content_source);
      f.entry.content_source->stream([&](std::span<const std::byte> block) {
        bytes.append(reinterpret_cast<const char*>(block.data()), block.size());
      });
    }
    REQUIRE(static_cast<std::int64_t>(bytes.size()) == f.entry.size);
    stowage::write_file_atomically(host, bytes);
    fs::permissions(host, static_cast<fs::perms>(f.entry.mode));
  }
  return installed;
}

// The error installing `wheel` and streaming every file it installs, "" when both succeed.
std::string install_error(const fs::path& wheel, const std::string& filename) {
  try {
    auto installed = install_wheel(wheel, filename, debian_scheme());
    for (const auto& f : installed.files) {
      if (f.entry.content_source)
        f.entry.content_source->stream([](std::span<const std::byte>) {});
    }
  } catch (const stowage::Error& e) {
    return e.what();
  }
  return "";
}

const std::string kMeta =
    "'x-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\n', "
    "'x-1.0.dist-info/METADATA': 'Name: x\\nVersion: 1.0\\n', ";

}  // namespace

TEST_CASE("a wheel with .data, scripts and entry points installs per PEP 427") {
  TempDir tmp;
  run_ok({STOWAGE_PYTHON, (source_dir() / "tests/python/wheelhouse.py").string(), "make",
          (tmp / "house").string()});
  fs::path root = tmp / "root";
  auto data = install_into(tmp / "house/files/demo_data-2.0-py3-none-any.whl",
                           "demo_data-2.0-py3-none-any.whl", root);
  CHECK(data.name == "demo_data");
  CHECK(data.version == "2.0");
  fs::path site = root / "usr/local/lib/python3.11/dist-packages";
  CHECK(fs::exists(site / "demo_data/__init__.py"));
  CHECK(stowage::read_file(site / "demo_data_extra.py") == "EXTRA = 42\n");
  CHECK(stowage::read_file(root / "usr/local/share/demo-data/info.txt") == "shared data\n");
  CHECK(stowage::read_file(root / "usr/local/include/python3.11/demo_data/demo.h") ==
        "#define DEMO 1\n");
  std::string tool = stowage::read_file(root / "usr/local/bin/demo-data-tool");
  CHECK(tool.starts_with("#!/usr/bin/python3.11\nimport demo_data\n"));
  CHECK(mode_of(root / "usr/local/bin/demo-data-tool") == 0755);
  CHECK(mode_of(site / "demo_data/__init__.py") == 0644);
  CHECK(stowage::read_file(site / "demo_data-2.0.dist-info/INSTALLER") == "stowage\n");
  std::string record = stowage::read_file(site / "demo_data-2.0.dist-info/RECORD");
  CHECK(record.find("../../../bin/demo-data-tool," + record_hash(tool) + "," +
                    std::to_string(tool.size()) + "\n") != std::string::npos);
  CHECK(record.find("demo_data-2.0.dist-info/INSTALLER,") != std::string::npos);
  CHECK(record.ends_with("demo_data-2.0.dist-info/RECORD,,\n"));
  CHECK_FALSE(fs::exists(site / "demo_data-2.0.data"));

  fs::path root2 = tmp / "root2";
  install_into(tmp / "house/files/demo_cli-1.0-py3-none-any.whl", "demo_cli-1.0-py3-none-any.whl",
               root2);
  std::string launcher = stowage::read_file(root2 / "usr/local/bin/demo-cli");
  CHECK(launcher.starts_with("#!/usr/bin/python3.11\n"));
  CHECK(launcher.find("from demo_cli.main import run\n") != std::string::npos);
  CHECK(launcher.find("sys.exit(run())") != std::string::npos);
  CHECK(mode_of(root2 / "usr/local/bin/demo-cli") == 0755);
  CHECK(fs::exists(root2 / "usr/local/bin/demo-gui"));
  // The launcher really runs with the host's Python against the installed tree.
  RunOptions env;
  env.env = {{"PYTHONPATH", (root2 / "usr/local/lib/python3.11/dist-packages").string()}};
  CHECK(run_ok({STOWAGE_PYTHON, (root2 / "usr/local/bin/demo-cli").string()}, env) ==
        "hello from demo-cli\n");

  // The real pip wheel: platlib modes kept, RECORD lists every file.
  fs::path root3 = tmp / "root3";
  auto pip = install_into("/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl",
                          "pip-23.0.1-py3-none-any.whl", root3);
  CHECK(pip.files.size() > 500);
  CHECK(fs::exists(root3 / "usr/local/bin/pip3"));
}

TEST_CASE("escaping paths, bombs, altered files and duplicate entries are refused") {
  TempDir tmp;
  auto escape = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                         "{" + kMeta + "'x-1.0.dist-info/RECORD': '', '../../etc/passwd': 'root'}");
  CHECK_THAT(install_error(escape, "x-1.0-py3-none-any.whl"),
             Catch::Contains("escapes the install directory: ../../etc/passwd"));
  auto absolute = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                           "{" + kMeta + "'x-1.0.dist-info/RECORD': '', '/etc/passwd': 'root'}");
  CHECK_THAT(install_error(absolute, "x-1.0-py3-none-any.whl"),
             Catch::Contains("escapes the install directory"));
  auto bomb =
      make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
               "{" + kMeta + "'x-1.0.dist-info/RECORD': '', 'x/zeros': b'\\0' * (300 << 20)}");
  CHECK(fs::file_size(bomb) < (1 << 20));
  CHECK_THAT(install_error(bomb, "x-1.0-py3-none-any.whl"), Catch::Contains("zip bomb"));
  auto altered = make_zip(
      tmp.path(), "x-1.0-py3-none-any.whl",
      "{" + kMeta + "'x-1.0.dist-info/RECORD': 'x/a.py,sha256=AAAA,3\\n', 'x/a.py': 'abc'}");
  CHECK_THAT(install_error(altered, "x-1.0-py3-none-any.whl"),
             Catch::Contains("x/a.py does not match the wheel's RECORD"));
  auto data_key = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                           "{" + kMeta + "'x-1.0.dist-info/RECORD': '', 'x-1.0.data/etc/f': 'x'}");
  CHECK_THAT(install_error(data_key, "x-1.0-py3-none-any.whl"),
             Catch::Contains("unknown .data directory etc"));
  auto no_info = make_zip(tmp.path(), "x-1.0-py3-none-any.whl", "{'x/a.py': 'a'}");
  CHECK_THAT(install_error(no_info, "x-1.0-py3-none-any.whl"),
             Catch::Contains("has no x-VERSION.dist-info directory"));
}

namespace {

// Writes the files of `wheels` into an uncompressed layer in `store`, in the tar writer's
// order with every parent directory, as the planner does.
stowage::layers::LayerResult write_layer(const stowage::layers::BlobStore& store,
                                         const std::vector<InstalledWheel>& wheels) {
  std::map<std::string, stowage::layers::TarEntry> entries;
  for (const auto& w : wheels) {
    for (const auto& f : w.files) {
      entries.emplace(f.entry.path, f.entry);
      for (auto slash = f.entry.path.find('/'); slash != std::string::npos;
           slash = f.entry.path.find('/', slash + 1)) {
        stowage::layers::TarEntry dir;
        dir.type = stowage::layers::TarEntry::Type::directory;
        dir.path = f.entry.path.substr(0, slash);
        dir.mode = 0755;
        entries.emplace(dir.path, dir);
      }
    }
  }
  stowage::layers::CompressionOptions none;
  none.algorithm = stowage::layers::Compression::none;
  stowage::layers::LayerWriter writer(store, none, {});
  for (const auto& [path, entry] : entries)
    writer.add(entry);
  return writer.finish();
}

}  // namespace

TEST_CASE("wheel files stream into a layer that GNU tar reads back as the wheel's files") {
  TempDir tmp;
  run_ok({STOWAGE_PYTHON, (source_dir() / "tests/python/wheelhouse.py").string(), "make",
          (tmp / "house").string()});
  std::vector<std::pair<fs::path, std::string>> wheels{
      {"/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl", "pip-23.0.1-py3-none-any.whl"},
      {tmp /
           "house/files/demo_native-0.3-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
       "demo_native-0.3-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"},
      {tmp / "house/files/demo_data-2.0-py3-none-any.whl", "demo_data-2.0-py3-none-any.whl"}};
  std::vector<InstalledWheel> installed;
  for (const auto& [path, name] : wheels) {
    REQUIRE(fs::exists(path));
    InstallOptions options;
    options.verified_marker = tmp / "verified" / name;
    installed.push_back(install_wheel(path, name, debian_scheme(), options));
  }
  stowage::layers::BlobStore store(tmp / "store");
  auto layer = write_layer(store, installed);
  std::int64_t compressed = 0;
  for (const auto& [path, name] : wheels)
    compressed += static_cast<std::int64_t>(fs::file_size(path));
  // Each member is read once, straight from the wheel (metadata aside).
  CHECK(layer.content_bytes_read > 0);
  CHECK(layer.content_bytes_read < compressed);

  fs::path root = tmp / "root";
  fs::create_directories(root);
  run_ok({"tar", "-xf", store.path_of(layer.descriptor.digest).string(), "-C", root.string()});
  // Python's zipfile, not stowage, says what each wheel holds: every file outside .data and the
  // regenerated RECORD must be in the layer with the same bytes, 0755 when the zip gives it any
  // execute bit, else 0644.
  for (const auto& [path, name] : wheels) {
    std::string out = run_ok(
        {STOWAGE_PYTHON, "-c",
         "import os, stat, sys, zipfile\n"
         "wheel, site = sys.argv[1], sys.argv[2]\n"
         "bad, n = [], 0\n"
         "with zipfile.ZipFile(wheel) as z:\n"
         "  for i in z.infolist():\n"
         "    if i.is_dir() or '.data/' in i.filename or "
         "i.filename.endswith('.dist-info/RECORD'):\n"
         "      continue\n"
         "    p = os.path.join(site, i.filename)\n"
         "    want = 0o755 if (i.external_attr >> 16) & 0o111 else 0o644\n"
         "    if open(p, 'rb').read() != z.read(i) or stat.S_IMODE(os.stat(p).st_mode) != want:\n"
         "      bad.append(i.filename)\n"
         "    n += 1\n"
         "print('files', n, 'bad', bad)\n",
         path.string(), (root / "usr/local/lib/python3.11/dist-packages").string()});
    INFO(name);
    CHECK_THAT(out, Catch::EndsWith("bad []\n"));
    CHECK_THAT(out, !Catch::StartsWith("files 0 "));
  }
  CHECK(mode_of(root / "usr/local/lib/python3.11/dist-packages/demo_native/_speedups.so") == 0755);
  CHECK(stowage::read_file(root / "usr/local/share/demo-data/info.txt") == "shared data\n");
  CHECK(stowage::read_file(root / "usr/local/bin/pip3").starts_with("#!/usr/bin/python3.11\n"));
  // The rewritten RECORD vouches for every installed file: Python checks each hash and size.
  std::string checked = run_ok(
      {STOWAGE_PYTHON, "-c",
       "import base64, csv, hashlib, os, sys\n"
       "site = sys.argv[1]\n"
       "rows = list(csv.reader(open(os.path.join(site, 'pip-23.0.1.dist-info/RECORD'))))\n"
       "bad = []\n"
       "for path, h, size in rows:\n"
       "  if not h: continue\n"
       "  data = open(os.path.normpath(os.path.join(site, path)), 'rb').read()\n"
       "  d = 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=')"
       ".decode()\n"
       "  if d != h or int(size) != len(data): bad.append(path)\n"
       "print(len(rows), bad)\n",
       (root / "usr/local/lib/python3.11/dist-packages").string()});
  CHECK_THAT(checked, Catch::EndsWith(" []\n"));

  // Every file matched RECORD, so each wheel is marked verified.
  for (const auto& [path, name] : wheels)
    CHECK(fs::exists(tmp / "verified" / name));

  // The same wheels give the same layer, byte for byte, also when read again as verified
  // wheels (streamed without hashing).
  std::vector<InstalledWheel> again_installed;
  for (const auto& [path, name] : wheels) {
    InstallOptions options;
    options.verified_marker = tmp / "verified" / name;
    again_installed.push_back(install_wheel(path, name, debian_scheme(), options));
  }
  stowage::layers::BlobStore again(tmp / "again");
  CHECK(write_layer(again, again_installed).descriptor.digest == layer.descriptor.digest);
}

TEST_CASE("a RECORD mismatch found while a file streams abandons its layer: no blob") {
  TempDir tmp;
  // 3 MiB that RECORD sizes right and hashes wrong: the mismatch shows only at the end of the
  // member, after most of its bytes went into the layer's stream.
  auto wheel = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                        "{" + kMeta +
                            "'x-1.0.dist-info/RECORD': 'x/big.so,sha256=AAAA,3145728\\n', "
                            "'x/big.so': __import__('os').urandom(3 << 20)}");
  InstallOptions options;
  options.verified_marker = tmp / "verified";
  auto installed = install_wheel(wheel, "x-1.0-py3-none-any.whl", debian_scheme(), options);
  stowage::layers::BlobStore store(tmp / "store");
  try {
    write_layer(store, {installed});
    FAIL("a layer was written from a file that does not match RECORD");
  } catch (const stowage::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("x-1.0-py3-none-any.whl: x/big.so does not match the "
                                         "wheel's RECORD (sha256=AAAA recorded, sha256="));
  }
  std::set<fs::path> left;
  for (const auto& e : fs::recursive_directory_iterator(tmp / "store")) {
    if (!e.is_directory())
      left.insert(e.path());
  }
  CHECK(left.empty());
  CHECK_FALSE(fs::exists(tmp / "verified"));
}
