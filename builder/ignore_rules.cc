#include "builder/ignore_rules.h"

#include <fnmatch.h>

#include "core/file.h"

namespace stowage::builder {
namespace {

// fnmatch with FNM_PATHNAME treats "**" like "*"; gitignore's "**" spans directories, so
// "a/**/b" is tried with zero or more path components in place of each "**/".
bool glob_match(std::string_view pattern, std::string_view path) {
  auto pos = pattern.find("**");
  if (pos == std::string_view::npos) {
    return fnmatch(std::string(pattern).c_str(), std::string(path).c_str(), FNM_PATHNAME) == 0;
  }
  std::string_view head = pattern.substr(0, pos);
  std::string_view tail = pattern.substr(pos + 2);
  if (tail.starts_with('/'))
    tail.remove_prefix(1);
  // head must match a prefix of path ending at a '/' boundary (or be empty).
  for (std::size_t cut = 0; cut <= path.size(); ++cut) {
    if (cut != 0 && cut != path.size() && path[cut - 1] != '/')
      continue;
    std::string_view prefix = path.substr(0, cut);
    bool head_ok = head.empty() ? cut == 0 : glob_match(head, prefix);
    if (!head_ok)
      continue;
    std::string_view rest = path.substr(cut);
    if (tail.empty())
      return true;
    for (std::size_t i = 0; i <= rest.size(); ++i) {
      if (i != 0 && rest[i - 1] != '/')
        continue;
      if (glob_match(tail, rest.substr(i)))
        return true;
    }
  }
  return false;
}

}  // namespace

IgnoreRules::IgnoreRules(std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    std::string line(text.substr(start, end - start));
    start = end + 1;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
      line.pop_back();
    }
    if (line.empty() || line[0] == '#')
      continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negate = true;
      line.erase(0, 1);
    } else if (line[0] == '\\') {
      line.erase(0, 1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.directory_only = true;
      line.pop_back();
    }
    if (line.find('/') != std::string::npos) {
      rule.anchored = true;
      if (line[0] == '/')
        line.erase(0, 1);
    }
    if (line.empty())
      continue;
    rule.pattern = line;
    rules_.push_back(std::move(rule));
  }
}

IgnoreRules IgnoreRules::load(const std::filesystem::path& dir) {
  auto file = dir / ".stowageignore";
  std::string text(kDefaultExcludes);
  if (std::filesystem::is_regular_file(file))
    text += read_file(file);
  return IgnoreRules(text);
}

bool IgnoreRules::excluded(std::string_view path, bool is_directory) const {
  // gitignore semantics: the last matching rule wins; a path inside an excluded directory is
  // excluded too (callers prune excluded directories while walking, which gives that).
  bool excluded = false;
  for (const auto& rule : rules_) {
    if (rule.directory_only && !is_directory)
      continue;
    bool match;
    if (rule.anchored) {
      match = glob_match(rule.pattern, path);
    } else {
      auto slash = path.rfind('/');
      std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
      match = glob_match(rule.pattern, base);
    }
    if (match)
      excluded = !rule.negate;
  }
  return excluded;
}

}  // namespace stowage::builder
