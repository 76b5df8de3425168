// Random access to the members of a zip file (a wheel), for streaming them one by one in any
// order.
//
// libarchive reads a zip front to back; a layer needs the members in its own (bytewise path)
// order, interleaved with other wheels' files. So the central directory is read once (zip64
// included) and each member is inflated on demand from its local header with zlib, through
// pread: readers on several threads may share one archive.
//
// Trust: the central directory is checked for consistency (every member's data inside the
// file, no encryption, only "stored" and "deflate"), but its sizes are claims. read() refuses
// output beyond a member's declared size and output that stops short of it, so what a member
// inflates to is bounded by the sum of the declared sizes, which callers bound in turn.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/file.h"

namespace stowage::python {

struct ZipMember {
  std::string name;        // as stored: '/'-separated, directories end with '/'
  std::uint64_t size = 0;  // inflated size, as declared
  std::uint64_t compressed_size = 0;
  std::uint64_t header_offset = 0;  // of the local file header
  std::uint16_t method = 0;         // 0 stored, 8 deflate
  std::uint16_t flags = 0;          // general purpose bits (bit 0: encrypted)
  std::uint8_t host = 0;            // "version made by" high byte: 3 = Unix
  std::uint32_t external_attributes = 0;
  // The Unix st_mode of a member made on Unix (0 otherwise): file type and permission bits.
  std::uint32_t unix_mode() const { return host == 3 ? external_attributes >> 16 : 0; }
};

class ZipArchive {
 public:
  // Opens `path` and reads its central directory. `label` names the archive in errors (the
  // wheel's file name). Throws Error "<label>: not a readable zip: …" when the end record or
  // the central directory is missing, truncated or inconsistent.
  ZipArchive(const std::filesystem::path& path, std::string label);

  const std::vector<ZipMember>& members() const { return members_; }
  std::uint64_t file_size() const { return file_size_; }
  const std::string& label() const { return label_; }

  // Inflates `member` and passes its bytes, in order and in blocks, to `out`. Returns the
  // bytes read from the file (the compressed size). Throws Error naming the archive and the
  // member when its data is damaged, uses an unsupported method, or inflates to a size other
  // than the declared one; `out`'s exceptions propagate. Safe to call from several threads.
  std::uint64_t read(const ZipMember& member,
                     const std::function<void(std::span<const std::byte>)>& out) const;

  // The whole inflated content of a small member (metadata). Throws as read() does, and
  // Error when the declared size exceeds `limit`.
  std::string read_all(const ZipMember& member, std::uint64_t limit) const;

 private:
  std::uint64_t data_offset(const ZipMember& member) const;

  std::filesystem::path path_;
  std::string label_;
  UniqueFd fd_;
  std::uint64_t file_size_ = 0;
  std::vector<ZipMember> members_;
};

}  // namespace stowage::python
