// What `stowage version` prints.
#pragma once

#include <string>

namespace stowage::cli {

// stowage's own version, e.g. "0.1.0".
std::string version();
// One line per linked library with the version it runs with (not the one it was built with,
// where the library can tell), e.g. "libarchive 3.6.2".
std::string library_versions();

}  // namespace stowage::cli
