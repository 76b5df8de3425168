// Builds one layer from a directory into a blob store and reports how long it took.
//
//   layer_bench STORE_DIR SOURCE_DIR [none|gzip|zstd [THREADS]]
//
// Prints one line: "<seconds> <uncompressed bytes> <content bytes> <digest>". Used by
// layer_throughput.sh; the timing covers the whole pipeline, commit (fsync) included.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "layers/layer_writer.h"

namespace fs = std::filesystem;
using namespace stowage::layers;

namespace {

// The entries of a host tree in archive order; hard-linked names after the first become links.
std::vector<TarEntry> entries_of(const fs::path& root) {
  std::vector<std::pair<std::string, fs::path>> found;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    found.emplace_back(e.path().lexically_relative(root).generic_string(), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<TarEntry> out;
  std::map<std::pair<dev_t, ino_t>, std::string> seen;
  for (const auto& [rel, host] : found) {
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0)
      throw stowage::Error("cannot stat " + host.string());
    TarEntry e;
    e.path = rel;
    e.mode = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
      e.type = TarEntry::Type::directory;
    } else if (S_ISLNK(st.st_mode)) {
      e.type = TarEntry::Type::symlink;
      e.link_target = fs::read_symlink(host).string();
    } else if (auto [it, inserted] = seen.emplace(std::pair(st.st_dev, st.st_ino), rel);
               !inserted) {
      e.type = TarEntry::Type::hardlink;
      e.link_target = it->second;
    } else {
      e.size = st.st_size;
      e.source = host;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::fprintf(stderr, "usage: layer_bench STORE_DIR SOURCE_DIR [none|gzip|zstd [THREADS]]\n");
    return 2;
  }
  try {
    CompressionOptions compression;
    compression.algorithm = parse_compression(argc >= 4 ? argv[3] : "none");
    if (argc == 5)
      compression.threads = std::stoi(argv[4]);
    auto entries = entries_of(argv[2]);
    BlobStore store(argv[1]);
    auto start = std::chrono::steady_clock::now();
    LayerWriter writer(store, compression, TarOptions{});
    for (const auto& e : entries)
      writer.add(e);
    LayerResult r = writer.finish();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.3f %lld %lld %s\n", seconds, static_cast<long long>(r.uncompressed_size),
                static_cast<long long>(r.content_bytes_read), r.descriptor.digest.str().c_str());
    return 0;
  } catch (const stowage::Error& e) {
    std::fprintf(stderr, "layer_bench: error: %s\n", e.what());
    return e.exit_code();
  }
}
