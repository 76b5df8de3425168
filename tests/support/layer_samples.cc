#include "tests/support/layer_samples.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <random>

#include "core/file.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace stowage::testing {

std::string sha256sum(const std::filesystem::path& file) {
  std::string out = run_ok({"sha256sum", file.string()});
  return "sha256:" + out.substr(0, 64);
}

std::string slurp(const std::filesystem::path& file) {
  return stowage::read_file(file);
}

std::string sample_text(std::size_t size, unsigned seed) {
  static constexpr std::string_view kWords[] = {"tensor ", "weight ", "layer ", "model ",
                                                "serve ",  "token ",  "batch ", "\n"};
  std::mt19937 rng(seed);
  std::string out;
  out.reserve(size + 16);
  while (out.size() < size) {
    out += kWords[rng() % 8];
    out += std::to_string(rng() % 1000);
  }
  out.resize(size);
  return out;
}

std::string long_name() {
  return std::string(120, 'w') + ".safetensors";
}

void make_sample_tree(const std::filesystem::path& root, unsigned seed) {
  namespace fs = std::filesystem;
  write_text(root / "app" / "main.py", "print('hello from stowage')\n");
  write_text(root / "app" / "run.sh", "#!/bin/sh\nexec python3 main.py\n");
  fs::permissions(root / "app" / "run.sh", fs::perms(0700));
  fs::permissions(root / "app" / "main.py", fs::perms(0664));
  fs::create_hard_link(root / "app" / "run.sh", root / "app" / "start.sh");
  fs::create_symlink("main.py", root / "app" / "link-to-main");
  fs::create_symlink("/usr/bin/python3", root / "app" / "python");
  fs::create_directories(root / "app" / "empty");
  write_random(root / "models" /
                   "donn\xc3\xa9"
                   "es-mod\xc3\xa8le.bin",
               70'000, seed);
  write_random(root / "models" / std::string(60, 'd') / long_name(), 1'000, seed + 1);
  write_text(root / "models" / "config.json", "{\"layers\": 12}");
}

std::vector<layers::TarEntry> entries_of_tree(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, fs::path>> found;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    found.emplace_back(e.path().lexically_relative(root).generic_string(), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<layers::TarEntry> out;
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;
  for (const auto& [rel, host] : found) {
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0)
      throw std::runtime_error("lstat " + host.string());
    layers::TarEntry e;
    e.path = rel;
    e.mode = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
      e.type = layers::TarEntry::Type::directory;
    } else if (S_ISLNK(st.st_mode)) {
      e.type = layers::TarEntry::Type::symlink;
      e.link_target = fs::read_symlink(host).string();
    } else if (auto [it, inserted] = first_name.emplace(std::pair(st.st_dev, st.st_ino), rel);
               !inserted) {
      e.type = layers::TarEntry::Type::hardlink;
      e.link_target = it->second;
    } else {
      e.type = layers::TarEntry::Type::file;
      e.size = st.st_size;
      e.source = host;
    }
    out.push_back(std::move(e));
  }
  return out;
}

layers::LayerResult write_tree_layer(const layers::BlobStore& store,
                                     const std::filesystem::path& root,
                                     const layers::CompressionOptions& compression,
                                     const layers::TarOptions& tar) {
  layers::LayerWriter writer(store, compression, tar);
  for (const auto& e : entries_of_tree(root))
    writer.add(e);
  return writer.finish();
}

}  // namespace stowage::testing
