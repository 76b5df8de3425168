#include "builder/source_revision.h"

#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace stowage::builder {
namespace fs = std::filesystem;

namespace {

std::string first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  return line;
}

bool is_hex_sha(const std::string& s) {
  if (s.size() != 40 && s.size() != 64)
    return false;
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// The git directory for a work tree root: ".git" itself, or where a ".git" file points.
fs::path git_dir_of(const fs::path& root) {
  fs::path dot_git = root / ".git";
  if (fs::is_directory(dot_git))
    return dot_git;
  std::string line = first_line(dot_git);
  if (!line.starts_with("gitdir: "))
    return {};
  fs::path target = line.substr(8);
  return target.is_absolute() ? target : root / target;
}

std::string resolve_ref(const fs::path& git_dir, const fs::path& common_dir,
                        const std::string& ref) {
  for (const auto& dir : {git_dir, common_dir}) {
    std::string value = first_line(dir / ref);
    if (is_hex_sha(value))
      return value;
  }
  std::ifstream packed(common_dir / "packed-refs");
  std::string line;
  while (std::getline(packed, line)) {
    auto space = line.find(' ');
    if (space != std::string::npos && line.substr(space + 1) == ref &&
        is_hex_sha(line.substr(0, space))) {
      return line.substr(0, space);
    }
  }
  return {};
}

struct GitDirs {
  fs::path git_dir;     // per-worktree: HEAD
  fs::path common_dir;  // shared: refs, packed-refs, config
};

// The git directories of the work tree containing `dir`; empty paths when there is none.
GitDirs find_git_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::path current = fs::weakly_canonical(dir, ec);
  if (ec)
    return {};
  for (; !current.empty(); current = current.parent_path()) {
    if (fs::exists(current / ".git", ec)) {
      GitDirs dirs;
      dirs.git_dir = git_dir_of(current);
      if (dirs.git_dir.empty())
        return {};
      dirs.common_dir = dirs.git_dir;
      if (std::string common = first_line(dirs.git_dir / "commondir"); !common.empty()) {
        dirs.common_dir = fs::path(common).is_absolute() ? fs::path(common) : dirs.git_dir / common;
      }
      return dirs;
    }
    if (current == current.root_path())
      break;
  }
  return {};
}

// "host/path" from what follows "://" with `userinfo_end` ('@' or npos) as the end of the
// userinfo, without query and fragment.
std::string host_and_path(std::string_view rest, std::size_t userinfo_end) {
  if (userinfo_end != std::string_view::npos)
    rest.remove_prefix(userinfo_end + 1);
  return std::string(rest.substr(0, rest.find_first_of("?#")));
}

}  // namespace

std::string public_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return std::string(url);
  const std::string_view rest = url.substr(scheme_end + 3);
  // RFC 3986: the authority ends at the first '/', '?' or '#'; its userinfo at its last '@'.
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  const std::string strict = host_and_path(rest, authority.rfind('@'));
  // A token with an unescaped '/', '?' or '#' ends the authority early; this reading does not.
  const std::string greedy = host_and_path(rest, rest.rfind('@'));
  if (strict != greedy || strict.empty() || strict.front() == '/' || strict.front() == ':')
    return {};
  return std::string(url.substr(0, scheme_end + 3)) + strict;
}

std::string git_revision(const fs::path& dir) {
  GitDirs dirs = find_git_dirs(dir);
  if (dirs.git_dir.empty())
    return {};
  std::string head = first_line(dirs.git_dir / "HEAD");
  if (is_hex_sha(head))
    return head;
  if (head.starts_with("ref: "))
    return resolve_ref(dirs.git_dir, dirs.common_dir, head.substr(5));
  return {};
}

std::string git_origin_url(const fs::path& dir) {
  GitDirs dirs = find_git_dirs(dir);
  if (dirs.common_dir.empty())
    return {};
  std::ifstream config(dirs.common_dir / "config");
  std::string line;
  bool in_origin = false;
  while (std::getline(config, line)) {
    line = trim(line);
    if (line.starts_with("[")) {
      in_origin = line == "[remote \"origin\"]";
      continue;
    }
    if (!in_origin || !line.starts_with("url"))
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos || trim(line.substr(0, eq)) != "url")
      continue;
    return public_url(trim(line.substr(eq + 1)));
  }
  return {};
}

}  // namespace stowage::builder
