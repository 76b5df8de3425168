#include "fuzz/fuzz_input.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <span>
#include <system_error>

#include "core/error.h"

namespace stowage::fuzz {

MemoryFile::MemoryFile(const std::uint8_t* data, std::size_t size)
    : fd_(::memfd_create("fuzz-input", MFD_CLOEXEC)) {
  if (!fd_)
    throw std::system_error(errno, std::generic_category(), "memfd_create");
  write_all(fd_.get(), std::as_bytes(std::span(data, size)), "fuzz input");
  if (::lseek(fd_.get(), 0, SEEK_SET) != 0)
    throw std::system_error(errno, std::generic_category(), "lseek");
  path_ = "/proc/self/fd/" + std::to_string(fd_.get());
}

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/stowage-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace stowage::fuzz
