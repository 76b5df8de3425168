// The python module turns a recipe's Python requirements into files to stream into an image,
// executing nothing: PEP 440/508 versions and markers (marker.h), wheel tags (tags.h), package
// indexes (simple_index.h, index_fetch.h), locks (this file), downloaded and verified wheels
// (wheel_cache.h), the base image's interpreters (base_python.h) and PEP 427 installs
// (wheel_install.h). It does not plan layers: builder/python_content.h decides where the files
// go.
//
// Python lock files: what exactly to install, pinned and hashed.
//
// Two formats are read:
//   - a pip-style requirements file in which every requirement is `name==version` with one or
//     more `--hash=sha256:…` (what `pip-compile --generate-hashes` and
//     `uv pip compile --generate-hashes` write); a direct wheel URL `name @ https://…/x.whl`
//     with a hash is accepted too;
//   - a PEP 751 lock, `pylock.toml` or `pylock.<name>.toml`, whose packages name their wheel
//     files (URL or path, hashes) so that no index needs to be asked.
// Anything that is not fully pinned and hashed is refused with an InputError located at the
// line, whose hint gives the command that writes a proper lock. Environment markers are
// evaluated for the target (see marker.h); packages whose marker is false are dropped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "python/marker.h"

namespace stowage::python {

// A file the lock itself names (PEP 751 `wheels`, `archive`, `sdist`, or a direct URL).
struct LockedFile {
  std::string filename;              // "attrs-25.1.0-py3-none-any.whl"
  std::string url;                   // absolute URL, or empty when `path` is set
  std::filesystem::path path;        // a local file (absolute), or empty
  std::vector<std::string> sha256;   // accepted lowercase hex digests
  std::optional<std::int64_t> size;  // bytes, when the lock says
};

struct LockedPackage {
  std::string name;                 // as written ("Torch_Vision")
  std::string version;              // "2.5.1+cu124"
  std::vector<std::string> sha256;  // requirements: accepted digests of any of its files
  std::vector<LockedFile> files;    // pylock / direct URL: the files the lock names
  bool direct_url = false;          // installed from a URL the lock gives (PEP 610 applies)
  std::string index;                // pylock: the index the package came from, if stated
  SourceLocation where;             // the line that pins it
};

struct Lock {
  std::filesystem::path file;
  std::vector<LockedPackage> packages;  // in file order, markers already applied
  // Options the requirements file carries (--index-url, --extra-index-url, --find-links),
  // searched after the recipe's python_index. find-links are absolute paths or URLs.
  std::vector<std::string> index_urls;
  std::vector<std::string> find_links;
};

// True when `file`'s name is that of a PEP 751 lock.
bool is_pylock_name(const std::filesystem::path& file);

// Reads a lock of either format, keeping the packages whose markers hold in `env`.
// Throws InputError (file:line) for anything unpinned, unhashed, editable, an sdist-only
// pylock package, or a syntax error; Error when the file cannot be read.
Lock read_lock(const std::filesystem::path& file, const MarkerEnvironment& env);

// Parses requirements text (`file` is for messages and resolving relative find-links).
Lock parse_requirements(std::string_view text, const std::filesystem::path& file,
                        const MarkerEnvironment& env);
// Parses PEP 751 TOML text.
Lock parse_pylock(std::string_view text, const std::filesystem::path& file,
                  const MarkerEnvironment& env);

// The hint shown when a lock line is not pinned or hashed.
std::string lock_command_hint();

}  // namespace stowage::python
