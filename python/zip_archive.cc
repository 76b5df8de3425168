#include "python/zip_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "core/error.h"

namespace stowage::python {
namespace {

// Compressed bytes are read, and inflated bytes handed on, in blocks this large: few system
// calls and few hash/compress calls, constant memory.
constexpr std::size_t kBlock = 1 << 20;

constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kLocalSignature = 0x04034b50;

std::uint16_t u16(const unsigned char* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint64_t u64(const unsigned char* p) {
  return static_cast<std::uint64_t>(u32(p)) | (static_cast<std::uint64_t>(u32(p + 4)) << 32);
}

struct InflateDeleter {
  void operator()(z_stream* z) const {
    inflateEnd(z);
    delete z;
  }
};

}  // namespace

ZipArchive::ZipArchive(const std::filesystem::path& path, std::string label)
    : path_(path), label_(std::move(label)), fd_(open_for_reading(path)) {
  auto damaged = [&](const std::string& why) {
    return Error(label_ + ": not a readable zip: " + why, "the wheel is damaged or not a wheel");
  };
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0)
    throw Error("cannot stat " + path.string() + ": " + errno_text(errno));
  file_size_ = static_cast<std::uint64_t>(st.st_size);
  auto read_at = [&](std::uint64_t offset, std::size_t n) {
    if (offset > file_size_ || n > file_size_ - offset)
      throw damaged("a record lies beyond the end of the file");
    std::string out(n, '\0');
    std::size_t done = 0;
    while (done < n) {
      ssize_t r =
          ::pread(fd_.get(), out.data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        throw Error("cannot read " + path_.string() + ": " + errno_text(errno));
      if (r == 0)
        throw damaged("the file ended early");
      done += static_cast<std::size_t>(r);
    }
    return out;
  };

  // The end of central directory record: 22 bytes plus a comment of up to 64 KiB.
  std::size_t tail_size = static_cast<std::size_t>(std::min<std::uint64_t>(file_size_, 22 + 65535));
  if (tail_size < 22)
    throw damaged("it is too short");
  std::string tail = read_at(file_size_ - tail_size, tail_size);
  auto* t = reinterpret_cast<const unsigned char*>(tail.data());
  std::size_t end = std::string::npos;
  for (std::size_t i = tail_size - 22 + 1; i-- > 0;) {
    if (u32(t + i) == kEndSignature && i + 22 + u16(t + i + 20) == tail_size) {
      end = i;
      break;
    }
  }
  if (end == std::string::npos)
    throw damaged("no end of central directory record");
  std::uint64_t end_offset = file_size_ - tail_size + end;
  std::uint64_t count = u16(t + end + 10);
  std::uint64_t cd_size = u32(t + end + 12);
  std::uint64_t cd_offset = u32(t + end + 16);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    if (end_offset < 20)
      throw damaged("a zip64 archive without its locator");
    std::string locator = read_at(end_offset - 20, 20);
    auto* l = reinterpret_cast<const unsigned char*>(locator.data());
    if (u32(l) != kZip64LocatorSignature)
      throw damaged("a zip64 archive without its locator");
    std::string record = read_at(u64(l + 8), 56);
    auto* r = reinterpret_cast<const unsigned char*>(record.data());
    if (u32(r) != kZip64EndSignature)
      throw damaged("no zip64 end of central directory record");
    count = u64(r + 32);
    cd_size = u64(r + 40);
    cd_offset = u64(r + 48);
  }
  if (cd_offset > file_size_ || cd_size > file_size_ - cd_offset)
    throw damaged("the central directory lies beyond the end of the file");
  // Each central record takes at least 46 bytes: a count the directory cannot hold is a lie.
  if (count > cd_size / 46)
    throw damaged("the central directory is shorter than its entry count");
  std::string cd = read_at(cd_offset, static_cast<std::size_t>(cd_size));
  auto* c = reinterpret_cast<const unsigned char*>(cd.data());
  std::size_t pos = 0;
  members_.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (cd_size - pos < 46 || u32(c + pos) != kCentralSignature)
      throw damaged("central directory entry " + std::to_string(i) + " is malformed");
    const unsigned char* h = c + pos;
    std::size_t name_len = u16(h + 28), extra_len = u16(h + 30), comment_len = u16(h + 32);
    if (cd_size - pos - 46 < name_len + extra_len + comment_len)
      throw damaged("central directory entry " + std::to_string(i) + " is truncated");
    ZipMember m;
    m.host = static_cast<std::uint8_t>(u16(h + 4) >> 8);
    m.flags = u16(h + 8);
    m.method = u16(h + 10);
    m.compressed_size = u32(h + 20);
    m.size = u32(h + 24);
    m.external_attributes = u32(h + 38);
    m.header_offset = u32(h + 42);
    m.name.assign(reinterpret_cast<const char*>(h + 46), name_len);
    // The zip64 extra field holds, in this order, those of the three that are 0xffffffff.
    const unsigned char* extra = h + 46 + name_len;
    for (std::size_t e = 0; e + 4 <= extra_len;) {
      std::uint16_t id = u16(extra + e), len = u16(extra + e + 2);
      if (e + 4 + len > extra_len)
        break;
      if (id == 0x0001) {
        const unsigned char* f = extra + e + 4;
        std::size_t left = len;
        for (std::uint64_t* field : {&m.size, &m.compressed_size, &m.header_offset}) {
          if (*field != 0xffffffff)
            continue;
          if (left < 8)
            throw damaged("the zip64 field of " + m.name + " is truncated");
          *field = u64(f);
          f += 8;
          left -= 8;
        }
      }
      e += 4 + static_cast<std::size_t>(len);
    }
    if (m.header_offset > file_size_ || m.compressed_size > file_size_ - m.header_offset)
      throw damaged(m.name + " lies beyond the end of the file");
    members_.push_back(std::move(m));
    pos += 46 + name_len + extra_len + comment_len;
  }
}

std::uint64_t ZipArchive::data_offset(const ZipMember& member) const {
  unsigned char h[30];
  std::size_t done = 0;
  while (done < sizeof h) {
    ssize_t r = ::pread(fd_.get(), h + done, sizeof h - done,
                        static_cast<off_t>(member.header_offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      throw Error("cannot read " + path_.string() + ": " + errno_text(errno));
    if (r == 0)
      break;
    done += static_cast<std::size_t>(r);
  }
  if (done < sizeof h || u32(h) != kLocalSignature)
    throw Error(label_ + ": " + member.name + " has no local header where the directory says",
                "the wheel is damaged");
  std::uint64_t offset = member.header_offset + 30 + u16(h + 26) + u16(h + 28);
  if (offset > file_size_ || member.compressed_size > file_size_ - offset)
    throw Error(label_ + ": " + member.name + "'s data lies beyond the end of the file",
                "the wheel is damaged");
  return offset;
}

std::uint64_t ZipArchive::read(const ZipMember& member,
                               const std::function<void(std::span<const std::byte>)>& out) const {
  auto fail = [&](const std::string& why) {
    return Error(label_ + ": cannot inflate " + member.name + ": " + why, "the wheel is damaged");
  };
  if ((member.flags & 1) != 0)
    throw fail("it is encrypted");
  if (member.method != 0 && member.method != 8) {
    throw Error(label_ + ": " + member.name + " uses zip compression method " +
                    std::to_string(member.method),
                "wheels are stored or deflated (PEP 427); rebuild the wheel");
  }
  if (member.method == 0 && member.size != member.compressed_size)
    throw fail("a stored member's sizes differ");
  std::uint64_t offset = data_offset(member);
  std::vector<unsigned char> in(static_cast<std::size_t>(
      std::min<std::uint64_t>(kBlock, std::max<std::uint64_t>(member.compressed_size, 1))));
  std::vector<unsigned char> inflated;
  std::unique_ptr<z_stream, InflateDeleter> z;
  if (member.method == 8) {
    auto* raw = new z_stream{};
    if (inflateInit2(raw, -MAX_WBITS) != Z_OK) {
      delete raw;
      throw Error("cannot start zlib's inflate");
    }
    z.reset(raw);
    inflated.resize(static_cast<std::size_t>(
        std::min<std::uint64_t>(kBlock, std::max<std::uint64_t>(member.size, 1))));
  }
  std::uint64_t consumed = 0;
  std::uint64_t produced = 0;
  bool stream_end = member.method == 0;
  while (consumed < member.compressed_size) {
    std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(in.size(), member.compressed_size - consumed));
    ssize_t r = ::pread(fd_.get(), in.data(), want, static_cast<off_t>(offset + consumed));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      throw Error("cannot read " + path_.string() + ": " + errno_text(errno));
    if (r == 0)
      throw fail("the file ended early");
    consumed += static_cast<std::uint64_t>(r);
    if (member.method == 0) {
      produced += static_cast<std::uint64_t>(r);
      out(std::as_bytes(std::span(in.data(), static_cast<std::size_t>(r))));
      continue;
    }
    if (stream_end)
      throw fail("data follows the end of its deflate stream");
    z->next_in = in.data();
    z->avail_in = static_cast<uInt>(r);
    while (z->avail_in > 0 && !stream_end) {
      z->next_out = inflated.data();
      z->avail_out = static_cast<uInt>(inflated.size());
      int status = inflate(z.get(), Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        stream_end = true;
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        throw fail(z->msg != nullptr ? z->msg : "inflate error " + std::to_string(status));
      }
      std::size_t n = inflated.size() - z->avail_out;
      if (n == 0 && status == Z_BUF_ERROR)
        break;
      produced += n;
      if (produced > member.size) {
        throw fail("it inflates beyond its declared " + std::to_string(member.size) + " bytes");
      }
      if (n > 0)
        out(std::as_bytes(std::span(inflated.data(), n)));
    }
    if (stream_end && z->avail_in > 0)
      throw fail("data follows the end of its deflate stream");
  }
  if (!stream_end)
    throw fail("its deflate stream is truncated");
  if (produced != member.size) {
    throw fail("it inflates to " + std::to_string(produced) + " bytes, the directory says " +
               std::to_string(member.size));
  }
  return consumed;
}

std::string ZipArchive::read_all(const ZipMember& member, std::uint64_t limit) const {
  if (member.size > limit) {
    throw Error(
        label_ + ": " + member.name + " inflates beyond " + std::to_string(limit) + " bytes",
        "the wheel looks like a zip bomb");
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(member.size));
  read(member, [&](std::span<const std::byte> block) {
    text.append(reinterpret_cast<const char*>(block.data()), block.size());
  });
  return text;
}

}  // namespace stowage::python
