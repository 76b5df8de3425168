#include "builder/wheels/wheel_install.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"
#include "recipes/python_packages.h"

namespace stowage::builder::wheels {
namespace fs = std::filesystem;

namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
using Archive = std::unique_ptr<archive, ArchiveDeleter>;

std::string hex_to_base64url(std::string_view hex) {
  std::vector<unsigned char> raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    raw.push_back(
        static_cast<unsigned char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), raw.data(),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) {
    if (c == '+')
      c = '-';
    if (c == '/')
      c = '_';
  }
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  return out;
}

// One RECORD row.
struct RecordRow {
  std::string hash;  // "sha256=…" or ""
  std::optional<std::int64_t> size;
};

// RECORD is CSV: path,hash,size; paths with commas are quoted.
std::map<std::string, RecordRow> parse_record(const std::string& text) {
  std::map<std::string, RecordRow> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          field += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(field);
        field.clear();
      } else {
        field += c;
      }
    }
    fields.push_back(field);
    RecordRow row;
    if (fields.size() > 1)
      row.hash = fields[1];
    if (fields.size() > 2 && !fields[2].empty()) {
      try {
        row.size = std::stoll(fields[2]);
      } catch (const std::exception&) {
        row.size.reset();
      }
    }
    rows[fields[0]] = row;
  }
  return rows;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// "Key: value" lines of WHEEL.
std::map<std::string, std::string> parse_headers(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos)
      continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' '))
      value.pop_back();
    out[line.substr(0, colon)] = value;
  }
  return out;
}

struct EntryPoint {
  std::string name;
  std::string module;
  std::string attr;
};

// [console_scripts] and [gui_scripts] of entry_points.txt.
std::vector<EntryPoint> parse_scripts(const std::string& text, const std::string& wheel) {
  std::vector<EntryPoint> out;
  std::istringstream in(text);
  std::string section;
  auto trim = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.erase(0, 1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.pop_back();
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';')
      continue;
    if (line.front() == '[') {
      section = trim(line.substr(1, line.find(']') - 1));
      continue;
    }
    if (section != "console_scripts" && section != "gui_scripts")
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    EntryPoint ep;
    ep.name = trim(line.substr(0, eq));
    std::string ref = trim(line.substr(eq + 1));
    ref = trim(ref.substr(0, ref.find('[')));  // extras do not change the launcher
    auto colon = ref.find(':');
    if (colon == std::string::npos) {
      throw Error(wheel + ": entry point " + ep.name + " = " + ref + " names no function",
                  "console_scripts entries are module:function");
    }
    ep.module = trim(ref.substr(0, colon));
    ep.attr = trim(ref.substr(colon + 1));
    if (ep.name.empty() || ep.name.find('/') != std::string::npos || ep.name == "." ||
        ep.name == "..") {
      throw Error(wheel + ": entry point name \"" + ep.name + "\" is not a file name");
    }
    out.push_back(ep);
  }
  return out;
}

std::string launcher(const std::string& interpreter, const EntryPoint& ep) {
  std::string head = ep.attr.substr(0, ep.attr.find('.'));
  return "#!" + interpreter + "\n" +
         "# -*- coding: utf-8 -*-\n"
         "import re\n"
         "import sys\n"
         "from " +
         ep.module + " import " + head +
         "\n"
         "if __name__ == \"__main__\":\n"
         "    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n"
         "    sys.exit(" +
         ep.attr + "())\n";
}

// libarchive's message for the last error; it may have none (a NULL that must not reach a
// std::string: found by fuzz/wheel_fuzz, a SEGV on a damaged central directory).
std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

// A wheel entry's path, checked: relative, '/'-separated, no "." or ".." or empty parts.
bool safe_relative(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos)
    return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == ".." || part == ".")
      return false;
    if (part.empty() && end != path.size())
      return false;
    start = end + 1;
  }
  return true;
}

Archive open_zip(const fs::path& wheel) {
  Archive a(archive_read_new());
  if (!a)
    throw Error("cannot allocate a zip reader");
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_filename(a.get(), wheel.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw Error("cannot open wheel " + wheel.string() + ": " + archive_message(a.get()));
  }
  return a;
}

std::string read_entry(archive* a, const std::string& wheel, const std::string& name,
                       std::int64_t limit) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n < 0)
      throw Error(wheel + ": cannot read " + name + ": " + archive_message(a));
    if (n == 0)
      break;
    out.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::int64_t>(out.size()) > limit) {
      throw Error(wheel + ": " + name + " inflates beyond " + std::to_string(limit) + " bytes",
                  "the wheel looks like a zip bomb");
    }
  }
  return out;
}

// Writes the wheel's files under root; removes root on failure.
class Installer {
 public:
  Installer(const fs::path& wheel, std::string filename, const InstallScheme& scheme,
            const fs::path& root, const InstallOptions& options)
      : wheel_(wheel),
        filename_(std::move(filename)),
        scheme_(scheme),
        root_(root),
        options_(options) {}

  InstalledWheel run() {
    std::error_code ec;
    if (fs::exists(root_, ec))
      throw Error("install directory " + root_.string() + " exists");
    try {
      InstalledWheel result = install();
      return result;
    } catch (...) {
      fs::remove_all(root_, ec);
      throw;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what, const std::string& hint = {}) const {
    throw Error(filename_ + ": " + what, hint);
  }

  InstalledWheel install() {
    std::int64_t wheel_size = static_cast<std::int64_t>(fs::file_size(wheel_));
    budget_ = std::max<std::int64_t>(wheel_size * options_.max_expansion, 1 << 20);
    find_metadata();
    fs::create_directories(root_);
    extract();
    write_generated();
    InstalledWheel w;
    w.name = name_;
    w.version = version_;
    w.bytes = written_;
    w.files = installed_.size();
    return w;
  }

  // First pass: the .dist-info directory, WHEEL, RECORD, entry_points.txt.
  void find_metadata() {
    auto wanted = recipes::normalize_distribution_name(filename_.substr(0, filename_.find('-')));
    Archive a = open_zip(wheel_);
    archive_entry* e = nullptr;
    std::set<std::string> dist_infos;
    std::map<std::string, std::string> metadata;
    int r;
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
      std::string path = archive_entry_pathname_utf8(e) ? archive_entry_pathname_utf8(e)
                                                        : archive_entry_pathname(e);
      auto slash = path.find('/');
      if (slash == std::string::npos)
        continue;
      std::string top = path.substr(0, slash);
      if (!top.ends_with(".dist-info"))
        continue;
      dist_infos.insert(top);
      std::string rest = path.substr(slash + 1);
      if (rest == "WHEEL" || rest == "RECORD" || rest == "entry_points.txt") {
        metadata[path] = read_entry(a.get(), filename_, path, 64 << 20);
      }
    }
    if (r != ARCHIVE_EOF)
      fail(std::string("not a readable zip: ") + archive_message(a.get()));
    for (const auto& d : dist_infos) {
      std::string stem = d.substr(0, d.size() - std::string(".dist-info").size());
      auto dash = stem.rfind('-');
      if (dash == std::string::npos)
        continue;
      if (recipes::normalize_distribution_name(stem.substr(0, dash)) == wanted) {
        if (!dist_info_.empty())
          fail("has more than one .dist-info directory for " + wanted);
        dist_info_ = d;
        name_ = stem.substr(0, dash);
        version_ = stem.substr(dash + 1);
      }
    }
    if (dist_info_.empty())
      fail("has no " + wanted + "-VERSION.dist-info directory", "is it a wheel?");
    auto wheel_meta = metadata.find(dist_info_ + "/WHEEL");
    if (wheel_meta == metadata.end())
      fail("has no " + dist_info_ + "/WHEEL");
    auto headers = parse_headers(wheel_meta->second);
    std::string wheel_version = headers["Wheel-Version"];
    if (!wheel_version.starts_with("1.")) {
      fail("is Wheel-Version " + wheel_version + "; stowage installs 1.x",
           "rebuild the wheel with a current build backend");
    }
    root_is_purelib_ = headers["Root-Is-Purelib"] == "true";
    if (auto rec = metadata.find(dist_info_ + "/RECORD"); rec != metadata.end()) {
      record_ = parse_record(rec->second);
    } else {
      fail("has no " + dist_info_ + "/RECORD");
    }
    if (auto ep = metadata.find(dist_info_ + "/entry_points.txt"); ep != metadata.end()) {
      entry_points_ = parse_scripts(ep->second, filename_);
    }
    data_dir_ = name_ + "-" + version_ + ".data";
  }

  // Where an archive path lands, image-relative; "" for files stowage regenerates.
  std::string destination(const std::string& path, bool& is_script) const {
    is_script = false;
    if (path == dist_info_ + "/RECORD" || path == dist_info_ + "/INSTALLER" ||
        path == dist_info_ + "/RECORD.jws" || path == dist_info_ + "/RECORD.p7s") {
      return "";
    }
    const std::string& root_dir = root_is_purelib_ ? scheme_.purelib : scheme_.platlib;
    if (path.starts_with(data_dir_ + "/")) {
      std::string rest = path.substr(data_dir_.size() + 1);
      auto slash = rest.find('/');
      if (slash == std::string::npos)
        fail("has a stray file " + path + " in its .data directory");
      std::string key = rest.substr(0, slash);
      std::string inner = rest.substr(slash + 1);
      if (key == "purelib")
        return scheme_.purelib + "/" + inner;
      if (key == "platlib")
        return scheme_.platlib + "/" + inner;
      if (key == "headers")
        return scheme_.headers + "/" + name_ + "/" + inner;
      if (key == "data")
        return scheme_.data + "/" + inner;
      if (key == "scripts") {
        is_script = true;
        return scheme_.scripts + "/" + inner;
      }
      fail("has an unknown .data directory " + key,
           "PEP 427 allows purelib, platlib, headers, scripts and data");
    }
    return root_dir + "/" + path;
  }

  void extract() {
    Archive a = open_zip(wheel_);
    archive_entry* e = nullptr;
    int r;
    std::vector<char> buf(1 << 18);
    while ((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
      const char* utf8 = archive_entry_pathname_utf8(e);
      std::string path = utf8 ? utf8 : archive_entry_pathname(e);
      if (!path.empty() && path.back() == '/')
        continue;  // directory entries
      if (!safe_relative(path))
        fail("has an entry that escapes the install directory: " + path);
      mode_t type = archive_entry_filetype(e);
      if (type == AE_IFDIR)
        continue;
      if (type != AE_IFREG && type != 0)
        fail("has a special entry (link or device): " + path);
      bool is_script = false;
      std::string dest = destination(path, is_script);
      if (dest.empty())
        continue;
      if (!safe_relative(dest))
        fail("has an entry that escapes the install directory: " + path);
      if (!installed_.emplace(dest, "").second)
        fail("has the same file twice: " + path);
      fs::path host = root_ / dest;
      make_parent(host, path);
      bool executable = is_script || (archive_entry_perm(e) & 0111) != 0;

      layers::Sha256 hash;
      std::int64_t size = 0;
      UniqueFd fd(
          ::open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, executable ? 0755 : 0644));
      if (!fd)
        throw Error("cannot create " + host.string() + ": " + errno_text(errno));
      std::string script;
      for (;;) {
        la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
        if (n < 0)
          fail("cannot inflate " + path + ": " + archive_message(a.get()));
        if (n == 0)
          break;
        auto chunk = std::as_bytes(std::span(buf.data(), static_cast<std::size_t>(n)));
        hash.update(chunk);
        size += n;
        written_ += n;
        if (written_ > budget_) {
          fail(
              "inflates to more than " + std::to_string(options_.max_expansion) + " times its size",
              "the wheel looks like a zip bomb");
        }
        if (is_script) {
          script.append(buf.data(), static_cast<std::size_t>(n));
        } else {
          write_all(fd.get(), chunk, host);
        }
      }
      std::string digest = "sha256=" + hex_to_base64url(hash.finish().hex());
      check_against_record(path, digest, size);
      if (is_script) {
        script = with_shebang(script);
        write_all(fd.get(), std::as_bytes(std::span(script)), host);
        digest = record_hash(script);
        size = static_cast<std::int64_t>(script.size());
        ::fchmod(fd.get(), 0755);
      }
      installed_[dest] = digest + "," + std::to_string(size);
    }
    if (r != ARCHIVE_EOF)
      fail(std::string("is damaged: ") + archive_message(a.get()));
  }

  void check_against_record(const std::string& path, const std::string& digest,
                            std::int64_t size) const {
    auto it = record_.find(path);
    if (it == record_.end())
      return;  // unlisted files are tolerated, as pip does
    const RecordRow& row = it->second;
    if (row.hash.starts_with("sha256=") && row.hash != digest) {
      fail(path + " does not match the wheel's RECORD (" + row.hash + " recorded, " + digest +
               " found)",
           "the wheel is damaged or was altered after it was built");
    }
    if (row.size && *row.size != size) {
      fail(path + " is " + std::to_string(size) + " bytes but RECORD says " +
           std::to_string(*row.size));
    }
  }

  // Creates the directories above `host`; a wheel that has a file where another of its entries
  // needs a directory is refused (a filesystem_error would not name the wheel).
  void make_parent(const fs::path& host, const std::string& entry) const {
    std::error_code ec;
    fs::create_directories(host.parent_path(), ec);
    if (ec) {
      fail("cannot place " + entry + ": " + ec.message(),
           "another entry of the wheel is a file where this one needs a directory");
    }
  }

  // "#!python" (and "#!pythonw") become the target interpreter.
  std::string with_shebang(const std::string& script) const {
    if (!script.starts_with("#!python"))
      return script;
    auto newline = script.find('\n');
    std::string rest = newline == std::string::npos ? "" : script.substr(newline);
    return "#!" + scheme_.interpreter + rest;
  }

  void write_generated_file(const std::string& dest, const std::string& content, mode_t mode) {
    if (!installed_.emplace(dest, "").second) {
      fail("would install " + dest + " twice (a script and an entry point share a name?)");
    }
    fs::path host = root_ / dest;
    make_parent(host, dest);
    UniqueFd fd(::open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (!fd)
      throw Error("cannot create " + host.string() + ": " + errno_text(errno));
    write_all(fd.get(), std::as_bytes(std::span(content)), host);
    installed_[dest] = record_hash(content) + "," + std::to_string(content.size());
    written_ += static_cast<std::int64_t>(content.size());
  }

  void write_generated() {
    const std::string& root_dir = root_is_purelib_ ? scheme_.purelib : scheme_.platlib;
    std::string info = root_dir + "/" + dist_info_;
    for (const auto& ep : entry_points_) {
      write_generated_file(scheme_.scripts + "/" + ep.name, launcher(scheme_.interpreter, ep),
                           0755);
    }
    write_generated_file(info + "/INSTALLER", "stowage\n", 0644);
    if (options_.direct_url) {
      // PEP 610, canonical JSON: sorted keys, no spaces.
      std::string json = "{\"archive_info\":{\"hash\":\"sha256=" + options_.sha256 +
                         "\",\"hashes\":{\"sha256\":\"" + options_.sha256 + "\"}},\"url\":\"" +
                         *options_.direct_url + "\"}";
      write_generated_file(info + "/direct_url.json", json, 0644);
    }
    // RECORD: every installed file relative to the .dist-info's parent, sorted.
    std::string record;
    fs::path base(root_dir);
    for (const auto& [dest, hash_and_size] : installed_) {
      std::string rel = fs::path(dest).lexically_relative(base).generic_string();
      record += csv_field(rel) + "," + hash_and_size + "\n";
    }
    std::string record_path = info + "/RECORD";
    record += csv_field(fs::path(record_path).lexically_relative(base).generic_string()) + ",,\n";
    fs::path host = root_ / record_path;
    UniqueFd fd(::open(host.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd)
      throw Error("cannot create " + host.string() + ": " + errno_text(errno));
    write_all(fd.get(), std::as_bytes(std::span(record)), host);
    installed_[record_path] = "";
  }

  fs::path wheel_;
  std::string filename_;
  const InstallScheme& scheme_;
  fs::path root_;
  const InstallOptions& options_;

  std::string dist_info_;
  std::string data_dir_;
  std::string name_;
  std::string version_;
  bool root_is_purelib_ = true;
  std::map<std::string, RecordRow> record_;
  std::vector<EntryPoint> entry_points_;
  std::map<std::string, std::string> installed_;  // image path → "hash,size" for RECORD
  std::int64_t written_ = 0;
  std::int64_t budget_ = 0;
};

}  // namespace

std::string InstallScheme::key() const {
  return "purelib=" + purelib + "\nplatlib=" + platlib + "\nscripts=" + scripts +
         "\nheaders=" + headers + "\ndata=" + data + "\ninterpreter=" + interpreter + "\n";
}

std::string record_hash(std::string_view data) {
  return "sha256=" + hex_to_base64url(layers::Digest::of(data).hex());
}

InstalledWheel install_wheel(const fs::path& wheel, const std::string& filename,
                             const InstallScheme& scheme, const fs::path& root,
                             const InstallOptions& options) {
  return Installer(wheel, filename, scheme, root, options).run();
}

}  // namespace stowage::builder::wheels
