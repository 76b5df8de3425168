// Installing one wheel the way PEP 427/491 says, into a directory that mirrors the image.
//
// Nothing from the wheel is executed. Files go where the scheme puts them: the wheel's root
// into purelib or platlib (Root-Is-Purelib), <name>.data/{purelib,platlib,scripts,headers,data}
// to their scheme directories. Scripts starting with "#!python" get the interpreter's shebang;
// console_scripts and gui_scripts entry points get launchers; the .dist-info gains INSTALLER
// ("stowage"), a RECORD rewritten for the installed paths, and direct_url.json when the lock
// gave a direct URL (PEP 610). File modes come from the zip's external attributes: 0755 when
// any execute bit is set, else 0644.
//
// Refused with an Error naming the wheel and entry: paths that are absolute or contain "..",
// symlinks and other special entries, duplicate entries, unknown .data keys, a file whose
// hash or size differs from the wheel's RECORD, and archives that inflate beyond
// `max_expansion` times their size (a zip bomb).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace stowage::builder::wheels {

// Where things go, as image paths relative to "/" (no leading slash).
struct InstallScheme {
  std::string purelib;      // "usr/local/lib/python3.11/dist-packages"
  std::string platlib;      // usually the same as purelib
  std::string scripts;      // "usr/local/bin"
  std::string headers;      // "usr/local/include/python3.11" (the distribution name is appended)
  std::string data;         // "usr/local"
  std::string interpreter;  // absolute path for shebangs: "/usr/bin/python3.11"
  // A canonical one-line description, for cache keys.
  std::string key() const;
};

struct InstallOptions {
  std::optional<std::string> direct_url;  // the URL the lock named, for direct_url.json
  std::string sha256;                     // the wheel's digest (hex), for direct_url.json
  std::int64_t max_expansion = 200;       // inflated bytes per byte of wheel
};

struct InstalledWheel {
  std::string name;        // from the .dist-info directory, e.g. "pip"
  std::string version;     // e.g. "23.0.1"
  std::int64_t bytes = 0;  // bytes of files written
  std::size_t files = 0;
};

// Installs `wheel` (file name `filename`, for its name and version) into `root`, which must
// not exist yet; on failure whatever was written under `root` is removed. Throws Error.
InstalledWheel install_wheel(const std::filesystem::path& wheel, const std::string& filename,
                             const InstallScheme& scheme, const std::filesystem::path& root,
                             const InstallOptions& options = {});

// RECORD's hash notation for `data`: "sha256=" + urlsafe base64 without padding.
std::string record_hash(std::string_view data);

}  // namespace stowage::builder::wheels
