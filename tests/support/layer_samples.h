// Sample content for layer tests: byte sinks, sample files and trees, and the layers made of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "layers/blob_store.h"
#include "layers/compressor.h"
#include "layers/layer_writer.h"
#include "layers/tar_writer.h"

namespace stowage::testing {

// Collects everything written into a string; remembers whether finish() ran.
class StringSink final : public layers::ByteSink {
 public:
  void write(std::span<const std::byte> data) override {
    bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void finish() override { ++finished; }
  std::string bytes;
  int finished = 0;
};

// "sha256:<hex>" of a file according to coreutils sha256sum.
std::string sha256sum(const std::filesystem::path& file);

// Reads a whole file as bytes.
std::string slurp(const std::filesystem::path& file);

// Compressible, deterministic text-like data of `size` bytes.
std::string sample_text(std::size_t size, unsigned seed);

// Writes a small tree with every kind of entry stowage archives: plain and executable files, a
// relative and an absolute symlink, a hard link, a non-ASCII name, a path and a name longer
// than ustar's 100-byte field. Returns the archive paths of the files, keyed like the tree.
void make_sample_tree(const std::filesystem::path& root, unsigned seed);

// The entries of a host tree in archive order (bytewise, parents first); the second and later
// names of a hard-linked file become hard links to the first.
std::vector<layers::TarEntry> entries_of_tree(const std::filesystem::path& root);

// The layer a LayerWriter makes of the host tree at `root` (entries_of_tree), committed to
// `store`. Throws what the writer throws.
layers::LayerResult write_tree_layer(const layers::BlobStore& store,
                                     const std::filesystem::path& root,
                                     const layers::CompressionOptions& compression,
                                     const layers::TarOptions& tar = {});

// The long file name used by make_sample_tree (longer than 100 bytes by itself).
std::string long_name();

}  // namespace stowage::testing
