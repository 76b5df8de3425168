#include "layers/blob_store.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "core/file.h"
#include "tests/support/layer_samples.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using namespace stowage::layers;
using stowage::testing::sample_text;
using stowage::testing::sha256sum;
using stowage::testing::TempDir;

namespace {
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

void flip_byte(const fs::path& path, std::int64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(offset);
  char c = 0;
  f.get(c);
  f.seekp(offset);
  f.put(static_cast<char>(c ^ 0x20));
}
}  // namespace

TEST_CASE("put, read and stat small blobs by digest", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  Digest d = store.put("{\"a\":1}");
  CHECK(store.path_of(d) == tmp / "s/blobs/sha256" / std::string(d.hex()));
  CHECK(sha256sum(store.path_of(d)) == d.str());
  CHECK(store.has(d));
  CHECK(store.size_of(d) == 7);
  CHECK(store.read(d) == "{\"a\":1}");
  Digest absent = Digest::of("nope");
  CHECK_FALSE(store.has(absent));
  CHECK_FALSE(store.size_of(absent));
  CHECK_THROWS_WITH(store.read(absent), Catch::Contains(absent.str()));
}

TEST_CASE("a streamed blob appears under its digest only when committed", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  std::string data = sample_text(3 << 20, 1);
  {
    auto w = store.begin_write();
    w->write(std::as_bytes(std::span(data)));
    CHECK(names_in(tmp / "s/blobs/sha256").size() == 1);  // only the temporary file
    CHECK(stowage::is_temporary_name(names_in(tmp / "s/blobs/sha256")[0]));
    CHECK_FALSE(store.has(Digest::of(data)));
    Digest d = w->commit();
    CHECK(d == Digest::of(data));
    CHECK(w->size() == static_cast<std::int64_t>(data.size()));
  }
  CHECK(names_in(tmp / "s/blobs/sha256") ==
        std::vector<std::string>{std::string(Digest::of(data).hex())});
  CHECK(sha256sum(store.path_of(Digest::of(data))) == Digest::of(data).str());
}

TEST_CASE("an abandoned or mismatching writer leaves nothing behind", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  {
    auto w = store.begin_write();
    w->write(std::as_bytes(std::span(std::string_view("partial"))));
  }
  CHECK(names_in(tmp / "s/blobs/sha256").empty());
  {
    // Large enough for the background writer to be busy when the writer goes away.
    std::string big = sample_text(13 << 20, 4);
    auto w = store.begin_write();
    w->write(std::as_bytes(std::span(big)));
  }
  CHECK(names_in(tmp / "s/blobs/sha256").empty());
  auto w = store.begin_write();
  w->write(std::as_bytes(std::span(std::string_view("actual"))));
  CHECK_THROWS_WITH(w->commit(Digest::of("expected")), Catch::Contains(Digest::of("actual").str()));
  w.reset();
  CHECK(names_in(tmp / "s/blobs/sha256").empty());
}

TEST_CASE("a truncated blob is replaced when the blob is stored again", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  std::string data = sample_text(6 << 20, 8);
  Digest d = Digest::of(data);
  stowage::write_file_atomically(store.path_of(d), data.substr(0, 1000));
  auto w = store.begin_write();
  w->write(std::as_bytes(std::span(data)));
  w->commit();
  store.verify(d);
  stowage::write_file_atomically(store.path_of(d), data.substr(0, 10));
  store.put(data);
  CHECK(store.read(d) == data);
}

TEST_CASE("a corrupted blob is detected on read and verify", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  std::string data = sample_text(100'000, 2);
  Digest d = store.put(data);
  store.verify(d);
  flip_byte(store.path_of(d), 4242);
  CHECK_THROWS_WITH(store.read(d), Catch::Contains(d.str()) && Catch::Contains("corrupted"));
  CHECK_THROWS_WITH(store.verify(d), Catch::Contains(d.str()) && Catch::Contains("corrupted"));
}

TEST_CASE("concurrent writers of the same blob both succeed", "[blob_store]") {
  TempDir tmp;
  BlobStore store(tmp / "s");
  std::string data = sample_text(8 << 20, 3);
  auto write_it = [&] {
    auto w = store.begin_write();
    auto bytes = std::as_bytes(std::span(data));
    for (std::size_t i = 0; i < bytes.size(); i += 65536) {
      w->write(bytes.subspan(i, std::min<std::size_t>(65536, bytes.size() - i)));
    }
    return w->commit();
  };
  // Two processes and two threads at once.
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      _exit(write_it() == Digest::of(data) ? 0 : 1);
    } catch (...) {
      _exit(2);
    }
  }
  std::optional<Digest> a, b;
  std::thread t1([&] { a = write_it(); });
  std::thread t2([&] { b = write_it(); });
  t1.join();
  t2.join();
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  CHECK(a == Digest::of(data));
  CHECK(b == Digest::of(data));
  CHECK(names_in(tmp / "s/blobs/sha256").size() == 1);
  store.verify(Digest::of(data));
}

TEST_CASE("link_from hard-links on one file system and copies across", "[blob_store]") {
  TempDir tmp;
  BlobStore a(tmp / "a"), b(tmp / "b");
  // Over two 4 MiB write blocks, so the copy takes the background-writer path on tmpfs too.
  const std::string bytes = "shared layer bytes" + sample_text(9 << 20, 5);
  Digest d = a.put(bytes);
  b.link_from(a, d);
  struct stat sa {
  }, sb{};
  REQUIRE(::stat(a.path_of(d).c_str(), &sa) == 0);
  REQUIRE(::stat(b.path_of(d).c_str(), &sb) == 0);
  CHECK(sa.st_ino == sb.st_ino);
  b.link_from(a, d);  // already present: nothing to do

  if (fs::is_directory("/dev/shm")) {
    // /dev/shm is a tmpfs: link() fails with EXDEV and the blob is copied.
    std::string dir = "/dev/shm/stowage-test-XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    {
      BlobStore c(dir);
      c.link_from(a, d);
      CHECK(c.read(d) == bytes);
      struct stat sc {};
      REQUIRE(::stat(c.path_of(d).c_str(), &sc) == 0);
      CHECK(sc.st_dev != sa.st_dev);
    }
    fs::remove_all(dir);
  }
  CHECK_THROWS_WITH(b.link_from(a, Digest::of("absent")), Catch::Contains("missing"));
  // A symlink in the trusted store is not a blob either.
  BlobStore e(tmp / "e");
  Digest s = Digest::of("linked");
  fs::create_symlink(a.path_of(d), a.path_of(s));
  CHECK_THROWS(e.link_from(a, s));
  CHECK_FALSE(e.has(s));
}

TEST_CASE("import_from copies and verifies, and refuses what is not the blob", "[blob_store]") {
  TempDir tmp;
  BlobStore layout(tmp / "layout"), cache(tmp / "cache");
  const std::string bytes = "layer bytes" + sample_text(9 << 20, 6);
  const auto size = static_cast<std::int64_t>(bytes.size());
  Digest d = layout.put(bytes);
  cache.import_from(layout, d, size);
  CHECK(cache.read(d) == bytes);
  struct stat sl {
  }, sc{};
  REQUIRE(::stat(layout.path_of(d).c_str(), &sl) == 0);
  REQUIRE(::stat(cache.path_of(d).c_str(), &sc) == 0);
  CHECK(sl.st_ino != sc.st_ino);  // a copy: the layout's owner cannot change it afterwards

  auto refused = [&](const Digest& digest, std::int64_t n, const std::string& why) {
    BlobStore fresh(tmp / ("fresh-" + why));
    try {
      fresh.import_from(layout, digest, n);
      FAIL("imported");
    } catch (const stowage::InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(layout.path_of(digest).string()) &&
                               Catch::Contains(digest.str()) && Catch::Contains(why));
    }
    CHECK(names_in(tmp / ("fresh-" + why) / "blobs/sha256").empty());
  };
  SECTION("wrong size") {
    refused(d, size - 1, "bytes");
  }
  SECTION("replaced content") {
    Digest other = Digest::of("other content");
    stowage::testing::write_text(layout.path_of(other), "other CONTENT");
    refused(other, 13, "hashes to");
  }
  SECTION("a symlink to a host file, with its digest and size") {
    stowage::testing::write_text(tmp / "secret", "host secret");
    Digest secret = Digest::of("host secret");
    fs::create_symlink(tmp / "secret", layout.path_of(secret));
    refused(secret, 11, "symlink");
  }
  SECTION("a directory") {
    Digest dir = Digest::of("dir");
    fs::create_directory(layout.path_of(dir));
    refused(dir, 0, "not a regular file");
  }
  SECTION("missing") {
    refused(Digest::of("absent"), 6, "No such file");
  }
}
