#include "python/lock.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>

#include "core/file.h"
#include "core/strings.h"

namespace stowage::python {
namespace fs = std::filesystem;

namespace {

bool is_hex_sha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

// The last path component of a URL, without query or fragment, decoded.
std::string url_filename(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  return percent_decode(url.substr(url.rfind('/') + 1));
}

bool is_wheel_name(std::string_view filename) {
  return iends_with(filename, ".whl");
}

// One logical line of a requirements file: continuations joined, comment removed.
struct LogicalLine {
  std::string text;
  int line = 0;
};

std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  std::istringstream in{std::string(text)};
  std::string raw;
  int number = 0;
  LogicalLine current;
  bool continuing = false;
  while (std::getline(in, raw)) {
    ++number;
    if (!raw.empty() && raw.back() == '\r')
      raw.pop_back();
    // A comment starts at a '#' at the line's start or after whitespace.
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(raw[i - 1])))) {
        raw.resize(i);
        break;
      }
    }
    if (!continuing)
      current = LogicalLine{"", number};
    bool continues = !raw.empty() && raw.back() == '\\';
    if (continues)
      raw.pop_back();
    current.text += raw + " ";
    continuing = continues;
    if (!continuing)
      out.push_back(current);
  }
  if (continuing)
    out.push_back(current);
  return out;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> words;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;)
    words.push_back(w);
  return words;
}

// The value of `--opt VALUE` or `--opt=VALUE` at words[i]; advances i.
std::optional<std::string> option_value(const std::vector<std::string>& words, std::size_t& i,
                                        std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    const std::string& w = words[i];
    if (w == name) {
      if (i + 1 >= words.size())
        return std::string();
      return words[++i];
    }
    if (w.starts_with(std::string(name) + "="))
      return w.substr(name.size() + 1);
    // Short options may be glued to their value: -fDIR.
    if (name.size() == 2 && name[1] != '-' && w.starts_with(name) && w.size() > 2) {
      return w.substr(2);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string lock_command_hint() {
  return "stowage installs exactly what a lock pins: write one with "
         "`pip-compile --generate-hashes -o requirements.lock requirements.in` or "
         "`uv pip compile --generate-hashes -o requirements.lock requirements.in` "
         "(or `uv export --format pylock.toml`)";
}

bool is_pylock_name(const fs::path& file) {
  std::string name = file.filename().string();
  return name == "pylock.toml" || (name.starts_with("pylock.") && name.ends_with(".toml"));
}

Lock read_lock(const fs::path& file, const MarkerEnvironment& env) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const Error& e) {
    throw InputError("cannot read the Python lock " + file.string() + ": " + e.reason(),
                     "python_requirements names a file relative to the recipe");
  }
  return is_pylock_name(file) ? parse_pylock(text, file, env) : parse_requirements(text, file, env);
}

Lock parse_requirements(std::string_view text, const fs::path& file, const MarkerEnvironment& env) {
  Lock lock;
  lock.file = file;
  fs::path base_dir = file.parent_path();
  // name [extras] rest
  static const std::regex requirement(
      R"(^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$)");
  for (const auto& logical : logical_lines(text)) {
    SourceLocation where{file.string(), logical.line, 1};
    std::string line(trim(logical.text));
    if (line.empty())
      continue;
    auto fail = [&](const std::string& what, const std::string& hint) {
      throw InputError(what, hint, where);
    };

    std::vector<std::string> words = split_words(line);
    if (line.starts_with("-")) {
      for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (auto v = option_value(words, i, {"--index-url", "-i", "--extra-index-url"})) {
          if (v->empty())
            fail(w + " needs a URL", "");
          lock.index_urls.push_back(*v);
        } else if (auto f = option_value(words, i, {"--find-links", "-f"})) {
          if (f->empty())
            fail(w + " needs a directory or URL", "");
          bool is_url = f->find("://") != std::string::npos;
          lock.find_links.push_back(is_url ? *f : (base_dir / *f).lexically_normal().string());
        } else if (option_value(words, i, {"--trusted-host"}) || w == "--prefer-binary" ||
                   option_value(words, i, {"--only-binary"}) || w == "--no-index") {
          // stowage only ever installs wheels and takes plain-HTTP indexes as written.
        } else if (w == "-e" || w.starts_with("--editable")) {
          fail("editable requirements cannot be installed into an image",
               "lock the package as a wheel instead: " + lock_command_hint());
        } else if (w == "-r" || w == "-c" || w.starts_with("--requirement") ||
                   w.starts_with("--constraint")) {
          fail("nested requirement files are not followed",
               "point python_requirements at the compiled lock itself");
        } else if (w.starts_with("--no-binary")) {
          fail("--no-binary asks for sdists, which stowage does not build",
               "stowage installs wheels only, since building an sdist runs its build backend");
        } else {
          fail("unknown option " + w + " in a requirements lock",
               "allowed: --index-url, --extra-index-url, --find-links, --trusted-host, "
               "--only-binary, --prefer-binary");
        }
      }
      continue;
    }

    std::vector<std::string> hashes;
    std::string spec;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (auto h = option_value(words, i, {"--hash"})) {
        std::string value = *h;
        auto colon = value.find(':');
        std::string algorithm = colon == std::string::npos ? "" : value.substr(0, colon);
        std::string digest = colon == std::string::npos ? "" : to_lower(value.substr(colon + 1));
        if (algorithm != "sha256") {
          fail("--hash=" + value + " is not a sha256 hash",
               "stowage verifies sha256; " + lock_command_hint());
        }
        if (!is_hex_sha256(digest))
          fail("--hash=" + value + " is not 64 hex digits", "");
        hashes.push_back(digest);
      } else if (words[i].starts_with("--")) {
        fail("unknown per-requirement option " + words[i], "only --hash is allowed after a pin");
      } else {
        spec += (spec.empty() ? "" : " ") + words[i];
      }
    }

    std::string marker;
    if (auto semi = spec.find(';'); semi != std::string::npos) {
      marker = std::string(trim(spec.substr(semi + 1)));
      spec = std::string(trim(spec.substr(0, semi)));
    }
    std::smatch m;
    if (!std::regex_match(spec, m, requirement)) {
      fail("cannot read requirement \"" + spec + "\"", lock_command_hint());
    }
    LockedPackage pkg;
    pkg.name = m[1];
    pkg.where = where;
    std::string rest(trim(m[3].str()));
    if (rest.starts_with("@")) {
      std::string url(trim(rest.substr(1)));
      std::string filename = url_filename(url);
      if (!is_wheel_name(filename)) {
        fail(pkg.name + " @ " + url + " is not a wheel",
             "stowage installs wheels only; building an sdist or a source tree would run its "
             "build backend. Build the wheel and lock it");
      }
      // name-version-... : the version is the second field of a wheel name.
      auto first = filename.find('-');
      auto second = filename.find('-', first + 1);
      // An empty name or version field ("x--1-py3-none-any.whl") is no wheel name either (found
      // by fuzz/requirements_fuzz: it locked a package without a version).
      if (first == std::string::npos || second == std::string::npos || first == 0 ||
          second == first + 1) {
        fail("\"" + filename + "\" is not a wheel file name",
             "a wheel is named NAME-VERSION-PYTHON-ABI-PLATFORM.whl");
      }
      pkg.version = filename.substr(first + 1, second - first - 1);
      pkg.direct_url = true;
      LockedFile f;
      f.filename = filename;
      if (url.starts_with("file://")) {
        f.path = percent_decode(url.substr(7));
      } else {
        f.url = url;
      }
      f.sha256 = hashes;
      pkg.files.push_back(f);
    } else if (rest.starts_with("===") || rest.starts_with("==")) {
      std::size_t skip = rest.starts_with("===") ? 3 : 2;
      pkg.version = std::string(trim(rest.substr(skip)));
      if (pkg.version.empty() || pkg.version.find_first_of("*,<>!= ") != std::string::npos) {
        fail(pkg.name + rest + " is not pinned to one version", lock_command_hint());
      }
    } else {
      fail(spec + " is not pinned (every requirement needs ==VERSION)", lock_command_hint());
    }
    if (hashes.empty()) {
      fail(spec + " has no --hash",
           "every requirement needs --hash=sha256:…; " + lock_command_hint());
    }
    pkg.sha256 = hashes;
    if (!marker.empty()) {
      try {
        if (!evaluate_marker(marker, env))
          continue;
      } catch (const InputError& e) {
        throw InputError(e.reason(), e.hint(), where);
      }
    }
    lock.packages.push_back(std::move(pkg));
  }
  return lock;
}

Lock parse_pylock(std::string_view text, const fs::path& file, const MarkerEnvironment& env) {
  Lock lock;
  lock.file = file;
  toml::table doc;
  try {
    doc = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    throw InputError(std::string(e.description()), "the file is not valid TOML",
                     SourceLocation{file.string(), static_cast<int>(e.source().begin.line),
                                    static_cast<int>(e.source().begin.column)});
  }
  auto where_of = [&](const toml::node& node) {
    return SourceLocation{file.string(), static_cast<int>(node.source().begin.line),
                          static_cast<int>(node.source().begin.column)};
  };
  SourceLocation top{file.string(), 1, 1};
  auto version = doc["lock-version"].value<std::string>();
  if (!version) {
    throw InputError("lock-version is missing", "a PEP 751 lock starts with lock-version = \"1.0\"",
                     top);
  }
  if (!version->starts_with("1.")) {
    throw InputError("lock-version " + *version + " is not supported",
                     "stowage reads PEP 751 locks of version 1.x",
                     where_of(*doc["lock-version"].node()));
  }
  const toml::array* packages = doc["packages"].as_array();
  if (packages == nullptr)
    return lock;
  fs::path base_dir = file.parent_path();

  auto string_of = [&](const toml::table& t, std::string_view key) -> std::string {
    auto v = t[key].value<std::string>();
    return v ? *v : std::string();
  };
  auto read_file_entry = [&](const toml::table& t, const SourceLocation& where,
                             const std::string& what) {
    LockedFile f;
    f.url = string_of(t, "url");
    std::string path = string_of(t, "path");
    if (!path.empty())
      f.path = (base_dir / path).lexically_normal();
    f.filename = string_of(t, "name");
    if (f.filename.empty()) {
      f.filename = !f.url.empty() ? url_filename(f.url) : f.path.filename().string();
    }
    if (f.url.empty() && path.empty()) {
      throw InputError(what + " has neither url nor path", "PEP 751 requires one of them", where);
    }
    // node::value<int64_t>() would convert a float such as 63E152 with undefined behaviour
    // (found by pylock_fuzz under UBSan): only an integer node is a size.
    if (const toml::node* size = t.get("size")) {
      const auto* integer = size->as_integer();
      if (integer == nullptr || integer->get() < 0) {
        throw InputError(what + " has a size that is not a non-negative integer",
                         "PEP 751 gives the file's size in bytes", where);
      }
      f.size = integer->get();
    }
    if (const toml::table* hashes = t["hashes"].as_table()) {
      if (auto sha = (*hashes)["sha256"].value<std::string>()) {
        std::string digest = to_lower(*sha);
        if (!is_hex_sha256(digest)) {
          throw InputError(what + " has a sha256 that is not 64 hex digits", "", where);
        }
        f.sha256.push_back(digest);
      }
    }
    if (f.sha256.empty()) {
      throw InputError(what + " has no sha256 hash", lock_command_hint(), where);
    }
    return f;
  };

  for (const toml::node& node : *packages) {
    const toml::table* t = node.as_table();
    SourceLocation where = where_of(node);
    if (t == nullptr)
      throw InputError("packages entries must be tables", "", where);
    LockedPackage pkg;
    pkg.name = string_of(*t, "name");
    pkg.version = string_of(*t, "version");
    pkg.index = string_of(*t, "index");
    pkg.where = where;
    if (pkg.name.empty())
      throw InputError("a package has no name", "", where);
    std::string label = "package " + pkg.name;
    std::string marker = string_of(*t, "marker");
    if (!marker.empty()) {
      try {
        if (!evaluate_marker(marker, env))
          continue;
      } catch (const InputError& e) {
        throw InputError(e.reason(), e.hint(), where);
      }
    }
    // An empty `wheels` list names no wheel: such a package is as sdist-only as one without
    // the key (found by fuzz/pylock_fuzz: it used to be accepted with no file to install).
    const toml::array* wheel_list = (*t)["wheels"].as_array();
    if (wheel_list != nullptr && !wheel_list->empty()) {
      for (const toml::node& w : *wheel_list) {
        const toml::table* wt = w.as_table();
        if (wt == nullptr)
          throw InputError(label + ": wheels entries must be tables", "", where_of(w));
        pkg.files.push_back(read_file_entry(*wt, where_of(w), label + " wheel"));
      }
    } else if (const toml::table* archive = (*t)["archive"].as_table()) {
      LockedFile f = read_file_entry(*archive, where, label + " archive");
      if (!is_wheel_name(f.filename)) {
        throw InputError(label + " is locked as the archive " + f.filename + ", not a wheel",
                         "stowage installs wheels only; building an sdist would run its build "
                         "backend. Lock a wheel of it",
                         where);
      }
      pkg.direct_url = true;
      pkg.files.push_back(f);
    } else {
      std::string kind = (*t)["sdist"]       ? "an sdist"
                         : (*t)["vcs"]       ? "a VCS checkout"
                         : (*t)["directory"] ? "a source directory"
                                             : "no file";
      throw InputError(label + " is locked as " + kind + " only",
                       "stowage installs wheels only, since building from source runs the "
                       "package's build backend; lock a version that has wheels",
                       where);
    }
    if (pkg.version.empty()) {
      throw InputError(label + " has no version", "PEP 751 locks of wheels state the version",
                       where);
    }
    lock.packages.push_back(std::move(pkg));
  }
  return lock;
}

}  // namespace stowage::python
