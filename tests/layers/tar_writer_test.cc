#include "layers/tar_writer.h"

#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "tests/support/layer_samples.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::layers;
using stowage::testing::entries_of_tree;
using stowage::testing::long_name;
using stowage::testing::make_sample_tree;
using stowage::testing::run;
using stowage::testing::run_ok;
using stowage::testing::StringSink;
using stowage::testing::TempDir;

namespace {

std::string write_tar(const std::vector<TarEntry>& entries, TarOptions options = {}) {
  StringSink sink;
  TarWriter tar(sink, options);
  for (const auto& e : entries)
    tar.add(e);
  tar.finish();
  REQUIRE(sink.finished == 1);
  return sink.bytes;
}

struct Listed {
  std::string mode, owner, size, when, link;
};

// Parses `tar -tv --full-time --numeric-owner` output into path → fields.
std::map<std::string, Listed> gnu_listing(const fs::path& tar_file) {
  stowage::testing::RunOptions env;
  env.env = {{"TZ", "UTC"}, {"LC_ALL", "C.UTF-8"}};
  auto result = run({"tar", "--numeric-owner", "--full-time", "-tvf", tar_file.string()}, env);
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());  // no unknown-keyword or charset warnings
  std::map<std::string, Listed> out;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    Listed l;
    std::string date, time, rest;
    f >> l.mode >> l.owner >> l.size >> date >> time;
    l.when = date + " " + time;
    std::getline(f >> std::ws, rest);
    std::string name = rest;
    for (std::string_view sep : {" -> ", " link to "}) {
      if (auto p = rest.find(sep); p != std::string::npos) {
        name = rest.substr(0, p);
        l.link = rest.substr(p + sep.size());
      }
    }
    out[name] = l;
  }
  return out;
}

TarEntry file_entry(std::string path, std::string content) {
  TarEntry e;
  e.path = std::move(path);
  e.size = static_cast<std::int64_t>(content.size());
  e.content = std::move(content);
  return e;
}

TarEntry dir_entry(std::string path) {
  TarEntry e;
  e.type = TarEntry::Type::directory;
  e.path = std::move(path);
  return e;
}

}  // namespace

TEST_CASE("GNU tar reads back modes, owners, times, links and bytes", "[tar]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 1);
  const fs::path layer = tmp / "layer.tar";
  stowage::write_file_atomically(layer, write_tar(entries_of_tree(tmp / "src")));

  auto listed = gnu_listing(layer);
  const std::string epoch1 = "1970-01-01 00:00:01";
  const std::string long_path = "models/" + std::string(60, 'd') + "/" + long_name();
  const std::string accented =
      "models/donn\xc3\xa9"
      "es-mod\xc3\xa8le.bin";
  for (const auto& [name, mode] :
       std::map<std::string, std::string>{{"app/", "drwxr-xr-x"},
                                          {"app/empty/", "drwxr-xr-x"},
                                          {"app/main.py", "-rw-r--r--"},
                                          {"app/run.sh", "-rwxr-xr-x"},
                                          {"app/start.sh", "hrwxr-xr-x"},
                                          {"app/link-to-main", "lrwxrwxrwx"},
                                          {"app/python", "lrwxrwxrwx"},
                                          {accented, "-rw-r--r--"},
                                          {long_path, "-rw-r--r--"}}) {
    INFO(name);
    REQUIRE(listed.count(name) == 1);
    CHECK(listed[name].mode == mode);
    CHECK(listed[name].owner == "0/0");
    CHECK(listed[name].when == epoch1);
  }
  CHECK(listed["app/link-to-main"].link == "main.py");
  CHECK(listed["app/python"].link == "/usr/bin/python3");
  CHECK(listed["app/start.sh"].link == "app/run.sh");
  CHECK(listed[accented].size == "70000");

  const fs::path out = tmp / "out";
  fs::create_directories(out);
  run_ok({"tar", "-xpf", layer.string(), "-C", out.string()});
  for (const char* rel : {"app/main.py", "app/run.sh", "models/config.json"}) {
    CHECK(stowage::read_file(out / rel) == stowage::read_file(tmp / "src" / rel));
  }
  CHECK(stowage::read_file(out / accented) == stowage::read_file(tmp / "src" / accented));
  CHECK(stowage::read_file(out / long_path) == stowage::read_file(tmp / "src" / long_path));
  struct stat st {
  }, st2{};
  REQUIRE(::stat((out / "app/run.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(st.st_mtime == 1);
  REQUIRE(::stat((out / "app/start.sh").c_str(), &st2) == 0);
  CHECK(st.st_ino == st2.st_ino);
  REQUIRE(::stat((out / "app/main.py").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0644);
  CHECK(fs::read_symlink(out / "app/link-to-main") == "main.py");
  CHECK(fs::read_symlink(out / "app/python") == "/usr/bin/python3");
}

TEST_CASE("entries carry their own owner; options set the time of every entry", "[tar]") {
  TempDir tmp;
  TarOptions options;
  options.mtime = 1700000000;
  auto owned = file_entry("app/x", "x");
  owned.uid = 1000;
  owned.gid = 1001;
  stowage::write_file_atomically(tmp / "l.tar", write_tar({dir_entry("app"), owned}, options));
  auto listed = gnu_listing(tmp / "l.tar");
  CHECK(listed["app/x"].owner == "1000/1001");
  CHECK(listed["app/x"].when == "2023-11-14 22:13:20");
  CHECK(listed["app/"].owner == "0/0");
  CHECK(listed["app/"].when == "2023-11-14 22:13:20");
}

TEST_CASE("an archive ends after two zero blocks, without record padding", "[tar]") {
  // One header block, one data block, two end blocks.
  std::string tar = write_tar({file_entry("a.txt", "hello")});
  CHECK(tar.size() == 4 * 512);
  CHECK(tar.substr(2048 - 1024) == std::string(1024, '\0'));
  CHECK(write_tar({}).size() == 1024);
}

TEST_CASE("archives do not depend on the process, locale or time zone", "[tar]") {
  TempDir tmp;
  make_sample_tree(tmp / "src", 2);
  auto entries = entries_of_tree(tmp / "src");
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Another process, another locale, another time zone.
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "Asia/Kolkata", 1);
    tzset();
    try {
      StringSink sink;
      TarWriter tar(sink, TarOptions{});
      for (const auto& e : entries)
        tar.add(e);
      tar.finish();
      stowage::write_file_atomically(tmp / "child.tar", sink.bytes);
    } catch (...) {
      _exit(1);
    }
    _exit(0);
  }
  std::string here = write_tar(entries);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::string there = stowage::read_file(tmp / "child.tar");
  CHECK(here == there);
  // PAX records exist for the long and the non-ASCII names, and carry nothing else.
  CHECK(here.find(" path=models/") != std::string::npos);
  for (const char* forbidden : {"mtime=", "atime=", "ctime=", "hdrcharset", "PaxHeader.", "uname",
                                "gname", "SCHILY", "LIBARCHIVE"}) {
    INFO(forbidden);
    CHECK(here.find(forbidden) == std::string::npos);
  }
}

TEST_CASE("entries must come in bytewise order with their parents first", "[tar]") {
  StringSink sink;
  TarWriter tar(sink, {});
  tar.add(dir_entry("a"));
  tar.add(file_entry("a-b", "1"));
  tar.add(file_entry("a/b", "2"));  // '-' (0x2d) sorts before '/' (0x2f)
  CHECK_THROWS_AS(tar.add(file_entry("a/a", "3")), stowage::InputError);
  CHECK_THROWS_AS(tar.add(file_entry("a/b", "dup")), stowage::InputError);
  CHECK_THROWS_WITH(tar.add(file_entry("b/c", "4")), Catch::Contains("no parent directory"));
  StringSink other;
  TarWriter second(other, {});
  second.add(file_entry("a-b", "1"));
  CHECK_THROWS_WITH(second.add(file_entry("a-b/x", "5")), Catch::Contains("no parent directory"));
  TarEntry link;
  link.type = TarEntry::Type::hardlink;
  link.path = "c";
  link.link_target = "nowhere";
  CHECK_THROWS_WITH(tar.add(link), Catch::Contains("not a regular file added before"));
}

TEST_CASE("bad archive paths are refused", "[tar]") {
  for (const std::string& bad :
       std::vector<std::string>{"", "/etc/passwd", "a/../b", "..", "./a", "a//b", "a/", "a/.",
                                std::string("bad\xff") + "name", std::string("nul\0x", 5)}) {
    INFO(bad);
    StringSink sink;
    TarWriter tar(sink, {});
    CHECK_THROWS_AS(tar.add(file_entry(bad, "x")), stowage::InputError);
  }
}

TEST_CASE("a file whose size changed is refused before any of it is written", "[tar]") {
  TempDir tmp;
  stowage::testing::write_text(tmp / "f", "four");
  TarEntry e;
  e.path = "f";
  e.source = tmp / "f";
  e.size = 3;
  StringSink sink;
  TarWriter tar(sink, {});
  CHECK_THROWS_WITH(tar.add(e), Catch::Contains("changed size"));
  e.size = 4;
  tar.add(e);  // the writer is still usable
  tar.finish();
  stowage::write_file_atomically(tmp / "f.tar", sink.bytes);
  CHECK(run_ok({"tar", "-xOf", (tmp / "f.tar").string(), "f"}) == "four");
}

TEST_CASE("after a failed write the writer refuses to go on", "[tar]") {
  struct FailingSink final : ByteSink {
    void write(std::span<const std::byte>) override { throw stowage::Error("disk full"); }
    void finish() override {}
  } sink;
  TarWriter tar(sink, {});
  CHECK_THROWS_WITH(tar.add(file_entry("a", "x")), Catch::Contains("disk full"));
  CHECK_THROWS_WITH(tar.add(file_entry("b", "y")), Catch::Contains("failed write"));
  CHECK_THROWS_WITH(tar.finish(), Catch::Contains("failed write"));
}

TEST_CASE("a file entry needs content or a source", "[tar]") {
  StringSink sink;
  TarWriter tar(sink, {});
  TarEntry e;
  e.path = "ghost";
  e.size = 10;
  CHECK_THROWS_AS(tar.add(e), stowage::InputError);
  e.size = 0;
  tar.add(e);  // an empty file needs neither
}

TEST_CASE("an abandoned writer never finishes its sink", "[tar]") {
  StringSink sink;
  {
    TarWriter tar(sink, {});
    tar.add(file_entry("a", "x"));
  }
  CHECK(sink.finished == 0);
}

namespace {
// Writes the stream to a file, seeking over all-zero blocks so that an archive of a sparse
// multi-GiB file stays sparse on disk.
class SparseFileSink final : public ByteSink {
 public:
  explicit SparseFileSink(const fs::path& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {}
  void write(std::span<const std::byte> data) override {
    static const std::vector<std::byte> zeros(1 << 20);
    if (data.size() <= zeros.size() && std::memcmp(data.data(), zeros.data(), data.size()) == 0) {
      offset_ += static_cast<off_t>(data.size());
      return;
    }
    REQUIRE(::pwrite(fd_.get(), data.data(), data.size(), offset_) ==
            static_cast<ssize_t>(data.size()));
    offset_ += static_cast<off_t>(data.size());
  }
  void finish() override { REQUIRE(::ftruncate(fd_.get(), offset_) == 0); }

 private:
  fs::path path_;
  stowage::UniqueFd fd_;
  off_t offset_ = 0;
};
}  // namespace

// A scratch directory on tmpfs when there is one: reading the holes of a sparse file there costs
// nothing (the kernel copies its zero page), while ext4 fills page cache with zeros, which is
// 100 times slower.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = fs::is_directory("/dev/shm")
                           ? "/dev/shm/stowage-test-XXXXXX"
                           : (fs::temp_directory_path() / "stowage-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path operator/(std::string_view rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

// Streams 8 GiB + 4 bytes of a sparse file through the writer: under 2 s on a 2-core VM with
// /dev/shm (nothing is hashed; the output is written sparse), so it runs with the suite.
TEST_CASE("files over 8 GiB get a PAX size record that GNU tar reads", "[tar][large]") {
  ScratchDir tmp;
  const std::int64_t size = (std::int64_t{8} << 30) + 4;
  {
    stowage::UniqueFd fd(::open((tmp / "big.bin").c_str(), O_WRONLY | O_CREAT, 0644));
    REQUIRE(::ftruncate(fd.get(), size - 4) == 0);
    REQUIRE(::pwrite(fd.get(), "tail", 4, size - 4) == 4);
  }
  auto start = std::chrono::steady_clock::now();
  {
    SparseFileSink sink(tmp / "big.tar");
    TarWriter tar(sink, {});
    TarEntry e;
    e.path = "big.bin";
    e.size = size;
    e.source = tmp / "big.bin";
    tar.add(e);
    CHECK(tar.content_bytes_read() == size);
    tar.finish();
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN("streamed 8 GiB through the tar writer in " << seconds << " s");
  // PAX header + its record block + ustar header, the data padded to 512, two end blocks.
  const std::int64_t data_blocks = (size + 511) / 512 * 512;
  CHECK(static_cast<std::int64_t>(fs::file_size(tmp / "big.tar")) == 3 * 512 + data_blocks + 1024);
  auto listed = gnu_listing(tmp / "big.tar");
  CHECK(listed["big.bin"].size == std::to_string(size));
  stowage::UniqueFd fd = stowage::open_for_reading(tmp / "big.tar");
  char tail[4] = {};
  REQUIRE(::pread(fd.get(), tail, 4, 3 * 512 + size - 4) == 4);
  CHECK(std::string_view(tail, 4) == "tail");
}
