// Installing one wheel the way PEP 427/491 says, as the files it adds to the image.
//
// Nothing from the wheel is executed, and nothing is unpacked: the wheel's central directory and
// metadata are read, and each installed file is described by its image path, mode and size
// and either its content (generated and rewritten files) or a source that streams it from the
// wheel into the layer, checking it against RECORD in the same pass (wheel_member_source.h). Files
// go where the scheme puts them: the wheel's root into purelib or platlib (Root-Is-Purelib),
// <name>.data/{purelib,platlib,scripts,headers,data} to their scheme directories. Scripts starting
// with "#!python" get the interpreter's shebang; console_scripts and gui_scripts entry points get
// launchers; the .dist-info gains INSTALLER
// ("stowage"), a RECORD rewritten for the installed paths, and direct_url.json when the lock
// gave a direct URL (PEP 610). File modes come from the zip's external attributes: 0755 when
// any execute bit is set, else 0644.
//
// Refused with an Error naming the wheel and entry: paths that are absolute or contain "..",
// symlinks and other special entries, duplicate entries, a file where another entry needs a
// directory, unknown .data keys, a file whose size differs from the wheel's RECORD, and
// archives whose files add up to more than `max_expansion` times the wheel's size (a zip bomb).
// A file whose bytes differ from its RECORD hash is refused when it is streamed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "layers/digest.h"
#include "layers/tar_writer.h"

namespace stowage::python {

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
  // The wheel's digest (hex), for direct_url.json and to identify its files' content (cache
  // keys); without it the wheel's path identifies them.
  std::string sha256;
  std::int64_t max_expansion = 200;  // inflated bytes per byte of wheel
  // A file that is written once every file of this wheel has streamed and matched RECORD;
  // when it exists already, the files stream without being hashed again (the wheel is
  // content-addressed by `sha256`, so its bytes are those verified). Empty: always verify.
  std::filesystem::path verified_marker;
};

// One file the wheel installs.
struct WheelFile {
  // A regular file: image path (relative, no leading '/'), mode (0755 or 0644), size, and
  // either `content` (launchers, scripts with their shebang rewritten, INSTALLER, RECORD,
  // direct_url.json) or `content_source` (a member of the wheel, hash-checked as it streams).
  layers::TarEntry entry;
  std::string record_hash;  // "sha256=…" of the content, as the installed RECORD lists it
};

struct InstalledWheel {
  std::string name;              // from the .dist-info directory, e.g. "pip"
  std::string version;           // e.g. "23.0.1"
  std::vector<WheelFile> files;  // sorted by image path
  std::int64_t bytes = 0;        // content bytes of all files
  std::int64_t bytes_read = 0;   // bytes of the wheel inflated to describe it (metadata etc.)
};

// Installs `wheel` (file name `filename`, for its name and version): reads its central
// directory and metadata, inflates only the files whose content must be known now (scripts
// whose shebang is rewritten, files RECORD gives no sha256 for), and describes every file it
// installs. The wheel must stay unchanged while its files are streamed. Throws Error.
InstalledWheel install_wheel(const std::filesystem::path& wheel, const std::string& filename,
                             const InstallScheme& scheme, const InstallOptions& options = {});

// RECORD's hash notation for `data`: "sha256=" + urlsafe base64 without padding.
std::string record_hash(std::string_view data);
// The same notation for a digest already computed.
std::string record_hash(const layers::Digest& digest);

}  // namespace stowage::python
