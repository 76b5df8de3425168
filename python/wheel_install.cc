#include "python/wheel_install.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/strings.h"
#include "knowledge/python_packages.h"
#include "python/wheel_member_source.h"
#include "python/zip_archive.h"

namespace stowage::python {
namespace fs = std::filesystem;

namespace {

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
    std::string ref(trim(line.substr(eq + 1)));
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

// Describes the files a wheel installs; see wheel_install.h.
class Installer {
 public:
  Installer(const fs::path& wheel, std::string filename, const InstallScheme& scheme,
            const InstallOptions& options)
      : wheel_(wheel), filename_(std::move(filename)), scheme_(scheme), options_(options) {}

  InstalledWheel run() {
    zip_ = std::make_shared<const ZipArchive>(wheel_, filename_);
    verification_ = std::make_shared<WheelVerification>();
    verification_->marker = options_.verified_marker;
    std::error_code ec;
    verification_->done =
        !options_.verified_marker.empty() && fs::exists(options_.verified_marker, ec);
    budget_ = std::max<std::int64_t>(
        static_cast<std::int64_t>(zip_->file_size()) * options_.max_expansion, 1 << 20);
    find_metadata();
    place_members();
    write_generated();
    check_no_file_is_a_parent();
    InstalledWheel w;
    w.name = name_;
    w.version = version_;
    w.bytes = declared_;
    w.bytes_read = bytes_read_;
    w.files.reserve(installed_.size());
    for (auto& [dest, file] : installed_)
      w.files.push_back(std::move(file));
    return w;
  }

 private:
  [[noreturn]] void fail(const std::string& what, const std::string& hint = {}) const {
    throw Error(filename_ + ": " + what, hint);
  }

  // Counts `size` more inflated bytes against the zip-bomb budget.
  void spend(std::uint64_t size) {
    declared_ += static_cast<std::int64_t>(std::min<std::uint64_t>(size, 1ULL << 62));
    if (declared_ > budget_) {
      fail("inflates to more than " + std::to_string(options_.max_expansion) + " times its size",
           "the wheel looks like a zip bomb");
    }
  }

  std::string inflate(const ZipMember& m, std::int64_t limit) {
    bytes_read_ += static_cast<std::int64_t>(m.compressed_size);
    return zip_->read_all(m, static_cast<std::uint64_t>(limit));
  }

  // The .dist-info directory, WHEEL, RECORD, entry_points.txt.
  void find_metadata() {
    auto wanted = knowledge::normalize_distribution_name(filename_.substr(0, filename_.find('-')));
    std::set<std::string> dist_infos;
    std::map<std::string, const ZipMember*> metadata;
    for (const auto& m : zip_->members()) {
      auto slash = m.name.find('/');
      if (slash == std::string::npos)
        continue;
      std::string top = m.name.substr(0, slash);
      if (!top.ends_with(".dist-info"))
        continue;
      dist_infos.insert(top);
      std::string rest = m.name.substr(slash + 1);
      if (rest == "WHEEL" || rest == "RECORD" || rest == "entry_points.txt")
        metadata[m.name] = &m;
    }
    for (const auto& d : dist_infos) {
      std::string stem = d.substr(0, d.size() - std::string(".dist-info").size());
      auto dash = stem.rfind('-');
      if (dash == std::string::npos)
        continue;
      if (knowledge::normalize_distribution_name(stem.substr(0, dash)) == wanted) {
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
    auto headers = parse_headers(inflate(*wheel_meta->second, 64 << 20));
    std::string wheel_version = headers["Wheel-Version"];
    if (!wheel_version.starts_with("1.")) {
      fail("is Wheel-Version " + wheel_version + "; stowage installs 1.x",
           "rebuild the wheel with a current build backend");
    }
    root_is_purelib_ = headers["Root-Is-Purelib"] == "true";
    if (auto rec = metadata.find(dist_info_ + "/RECORD"); rec != metadata.end()) {
      record_ = parse_record(inflate(*rec->second, 64 << 20));
    } else {
      fail("has no " + dist_info_ + "/RECORD");
    }
    if (auto ep = metadata.find(dist_info_ + "/entry_points.txt"); ep != metadata.end()) {
      entry_points_ = parse_scripts(inflate(*ep->second, 64 << 20), filename_);
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

  // Every member in zip order: checked, placed, and described (not inflated, unless its
  // content must be known now).
  void place_members() {
    std::set<std::string_view> names;
    const auto& members = zip_->members();
    for (std::size_t i = 0; i < members.size(); ++i) {
      const ZipMember& m = members[i];
      const std::string& path = m.name;
      if (!path.empty() && path.back() == '/')
        continue;  // directory entries
      if (!safe_relative(path))
        fail("has an entry that escapes the install directory: " + path);
      std::uint32_t type = m.unix_mode() & 0170000;
      if (type == 0040000 || (m.host == 0 && (m.external_attributes & 0x10) != 0))
        continue;  // a directory without the trailing slash
      if (type != 0100000 && type != 0)
        fail("has a special entry (link or device): " + path);
      if (!names.insert(path).second)
        fail("has the same file twice: " + path);
      bool is_script = false;
      std::string dest = destination(path, is_script);
      if (dest.empty())
        continue;
      if (!safe_relative(dest))
        fail("has an entry that escapes the install directory: " + path);
      if (installed_.contains(dest))
        fail("has the same file twice: " + path);
      spend(m.size);
      check_size(path, m.size);

      WheelFile file;
      file.entry.type = layers::TarEntry::Type::file;
      file.entry.path = dest;
      file.entry.mode = is_script || (m.unix_mode() & 0111) != 0 ? 0755 : 0644;
      auto row = record_.find(path);
      bool recorded = row != record_.end() && row->second.hash.starts_with("sha256=");
      if (is_script) {
        // The shebang is rewritten, so the content must be known now; scripts are small.
        std::string script = inflate(m, budget_);
        check_hash(path, record_hash(script));
        script = with_shebang(script);
        file.record_hash = record_hash(script);
        file.entry.size = static_cast<std::int64_t>(script.size());
        file.entry.content = std::move(script);
      } else {
        if (recorded) {
          file.record_hash = row->second.hash;
        } else {
          // The rewritten RECORD lists every file with its hash, and it precedes the files in
          // the layer: a file the wheel's RECORD does not vouch for is hashed now.
          layers::Sha256 hash;
          bytes_read_ += static_cast<std::int64_t>(
              zip_->read(m, [&](std::span<const std::byte> block) { hash.update(block); }));
          file.record_hash = record_hash(hash.finish());
        }
        file.entry.size = static_cast<std::int64_t>(m.size);
        file.entry.content_source = std::make_shared<WheelMemberSource>(
            zip_, i, file.record_hash, recorded, options_.sha256, verification_);
        ++verification_->left;
      }
      installed_.emplace(dest, std::move(file));
    }
  }

  // A file's hash, known now, against RECORD.
  void check_hash(const std::string& path, const std::string& digest) const {
    auto it = record_.find(path);
    if (it == record_.end())
      return;  // unlisted files are tolerated, as pip does
    const RecordRow& row = it->second;
    if (row.hash.starts_with("sha256=") && row.hash != digest) {
      fail(path + " does not match the wheel's RECORD (" + row.hash + " recorded, " + digest +
               " found)",
           "the wheel is damaged or was altered after it was built");
    }
  }

  // A file's declared size against RECORD (the streamed bytes are then held to that size).
  void check_size(const std::string& path, std::uint64_t size) const {
    auto it = record_.find(path);
    if (it == record_.end())
      return;
    const auto& recorded = it->second.size;
    if (recorded && (*recorded < 0 || static_cast<std::uint64_t>(*recorded) != size)) {
      fail(path + " is " + std::to_string(size) + " bytes but RECORD says " +
           std::to_string(*recorded));
    }
  }

  // A wheel that has a file where another of its entries needs a directory ("a" and "a/b")
  // cannot be installed.
  void check_no_file_is_a_parent() const {
    for (const auto& [dest, file] : installed_) {
      for (auto slash = dest.find('/'); slash != std::string::npos;
           slash = dest.find('/', slash + 1)) {
        if (installed_.contains(dest.substr(0, slash))) {
          fail("cannot place " + dest + ": /" + dest.substr(0, slash) + " is a file",
               "another entry of the wheel is a file where this one needs a directory");
        }
      }
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

  void add_generated_file(const std::string& dest, std::string content, std::uint32_t mode) {
    if (installed_.contains(dest)) {
      fail("would install " + dest + " twice (a script and an entry point share a name?)");
    }
    WheelFile file;
    file.entry.type = layers::TarEntry::Type::file;
    file.entry.path = dest;
    file.entry.mode = mode;
    file.entry.size = static_cast<std::int64_t>(content.size());
    file.record_hash = record_hash(content);
    file.entry.content = std::move(content);
    declared_ += file.entry.size;
    installed_.emplace(dest, std::move(file));
  }

  void write_generated() {
    const std::string& root_dir = root_is_purelib_ ? scheme_.purelib : scheme_.platlib;
    std::string info = root_dir + "/" + dist_info_;
    for (const auto& ep : entry_points_) {
      add_generated_file(scheme_.scripts + "/" + ep.name, launcher(scheme_.interpreter, ep), 0755);
    }
    add_generated_file(info + "/INSTALLER", "stowage\n", 0644);
    if (options_.direct_url) {
      // PEP 610, canonical JSON: sorted keys, no spaces.
      std::string json = "{\"archive_info\":{\"hash\":\"sha256=" + options_.sha256 +
                         "\",\"hashes\":{\"sha256\":\"" + options_.sha256 + "\"}},\"url\":\"" +
                         *options_.direct_url + "\"}";
      add_generated_file(info + "/direct_url.json", json, 0644);
    }
    // RECORD: every installed file relative to the .dist-info's parent, sorted.
    std::string record;
    fs::path base(root_dir);
    for (const auto& [dest, file] : installed_) {
      std::string rel = fs::path(dest).lexically_relative(base).generic_string();
      record +=
          csv_field(rel) + "," + file.record_hash + "," + std::to_string(file.entry.size) + "\n";
    }
    std::string record_path = info + "/RECORD";
    record += csv_field(fs::path(record_path).lexically_relative(base).generic_string()) + ",,\n";
    add_generated_file(record_path, std::move(record), 0644);
  }

  fs::path wheel_;
  std::string filename_;
  const InstallScheme& scheme_;
  const InstallOptions& options_;
  std::shared_ptr<const ZipArchive> zip_;
  std::shared_ptr<WheelVerification> verification_;

  std::string dist_info_;
  std::string data_dir_;
  std::string name_;
  std::string version_;
  bool root_is_purelib_ = true;
  std::map<std::string, RecordRow> record_;
  std::vector<EntryPoint> entry_points_;
  std::map<std::string, WheelFile> installed_;  // image path → file
  std::int64_t declared_ = 0;                   // bytes the installed files add up to
  std::int64_t budget_ = 0;
  std::int64_t bytes_read_ = 0;
};

}  // namespace

std::string InstallScheme::key() const {
  return "purelib=" + purelib + "\nplatlib=" + platlib + "\nscripts=" + scripts +
         "\nheaders=" + headers + "\ndata=" + data + "\ninterpreter=" + interpreter + "\n";
}

std::string record_hash(std::string_view data) {
  return record_hash(layers::Digest::of(data));
}

std::string record_hash(const layers::Digest& digest) {
  return "sha256=" + hex_to_base64url(digest.hex());
}

InstalledWheel install_wheel(const fs::path& wheel, const std::string& filename,
                             const InstallScheme& scheme, const InstallOptions& options) {
  return Installer(wheel, filename, scheme, options).run();
}

}  // namespace stowage::python
