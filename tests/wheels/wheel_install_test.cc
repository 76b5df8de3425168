#include "builder/wheels/wheel_install.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::builder::wheels;
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

std::string install_error(const fs::path& wheel, const std::string& filename,
                          const fs::path& root) {
  try {
    install_wheel(wheel, filename, debian_scheme(), root);
  } catch (const stowage::Error& e) {
    CHECK_FALSE(fs::exists(root));
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
  run_ok({STOWAGE_PYTHON, (source_dir() / "tests/wheels/wheelhouse.py").string(), "make",
          (tmp / "house").string()});
  fs::path root = tmp / "root";
  auto data = install_wheel(tmp / "house/files/demo_data-2.0-py3-none-any.whl",
                            "demo_data-2.0-py3-none-any.whl", debian_scheme(), root);
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
  install_wheel(tmp / "house/files/demo_cli-1.0-py3-none-any.whl", "demo_cli-1.0-py3-none-any.whl",
                debian_scheme(), root2);
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
  auto pip = install_wheel("/usr/share/python-wheels/pip-23.0.1-py3-none-any.whl",
                           "pip-23.0.1-py3-none-any.whl", debian_scheme(), root3);
  CHECK(pip.files > 500);
  CHECK(fs::exists(root3 / "usr/local/bin/pip3"));
}

TEST_CASE("escaping paths, bombs, altered files and duplicate entries are refused") {
  TempDir tmp;
  auto escape = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                         "{" + kMeta + "'x-1.0.dist-info/RECORD': '', '../../etc/passwd': 'root'}");
  CHECK_THAT(install_error(escape, "x-1.0-py3-none-any.whl", tmp / "r1"),
             Catch::Contains("escapes the install directory: ../../etc/passwd"));
  auto absolute = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                           "{" + kMeta + "'x-1.0.dist-info/RECORD': '', '/etc/passwd': 'root'}");
  CHECK_THAT(install_error(absolute, "x-1.0-py3-none-any.whl", tmp / "r2"),
             Catch::Contains("escapes the install directory"));
  auto bomb =
      make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
               "{" + kMeta + "'x-1.0.dist-info/RECORD': '', 'x/zeros': b'\\0' * (300 << 20)}");
  CHECK(fs::file_size(bomb) < (1 << 20));
  CHECK_THAT(install_error(bomb, "x-1.0-py3-none-any.whl", tmp / "r3"),
             Catch::Contains("zip bomb"));
  auto altered = make_zip(
      tmp.path(), "x-1.0-py3-none-any.whl",
      "{" + kMeta + "'x-1.0.dist-info/RECORD': 'x/a.py,sha256=AAAA,3\\n', 'x/a.py': 'abc'}");
  CHECK_THAT(install_error(altered, "x-1.0-py3-none-any.whl", tmp / "r4"),
             Catch::Contains("x/a.py does not match the wheel's RECORD"));
  auto data_key = make_zip(tmp.path(), "x-1.0-py3-none-any.whl",
                           "{" + kMeta + "'x-1.0.dist-info/RECORD': '', 'x-1.0.data/etc/f': 'x'}");
  CHECK_THAT(install_error(data_key, "x-1.0-py3-none-any.whl", tmp / "r5"),
             Catch::Contains("unknown .data directory etc"));
  auto no_info = make_zip(tmp.path(), "x-1.0-py3-none-any.whl", "{'x/a.py': 'a'}");
  CHECK_THAT(install_error(no_info, "x-1.0-py3-none-any.whl", tmp / "r6"),
             Catch::Contains("has no x-VERSION.dist-info directory"));
}
