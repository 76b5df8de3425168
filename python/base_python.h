// What a base image offers Python wheels: its interpreters, where they look for packages, and
// its C library (for manylinux/musllinux tags). Found by reading the base's layers, never by
// running anything.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace stowage::python {

// One CPython found in the base.
struct BaseInterpreter {
  std::string version;     // "3.11"
  std::string executable;  // absolute path in the image: "/usr/bin/python3.11"
  // Where installed packages go, image-relative: Debian's python3 reads
  // usr/local/lib/python3.11/dist-packages; python.org builds
  // usr/local/lib/python3.11/site-packages.
  std::string site_packages;
  std::string prefix;  // "usr/local": scripts go to <prefix>/bin, headers to <prefix>/include
};

struct BasePython {
  std::vector<BaseInterpreter> interpreters;  // sorted by version
  int glibc_major = 0;                        // 0 = no glibc found
  int glibc_minor = 0;
  int musl_major = 0;  // 0 = no musl found
  int musl_minor = 0;
};

// Scans the layer blobs (lowest first; tar, gzip or zstd) of a base image. The answer for a
// given list of layers is remembered in `cache_dir` (a small JSON per layer set), so a base is
// read once. Throws Error when a layer cannot be read.
BasePython probe_base_python(const std::vector<std::filesystem::path>& layers,
                             const std::filesystem::path& cache_dir, const std::string& cache_key);

// The highest "GLIBC_2.N" version named in a libc.so.6's bytes, as {2, N}; {0, 0} if none.
std::pair<int, int> glibc_version_in(std::string_view libc_bytes);

}  // namespace stowage::python
