// .stowageignore: gitignore-syntax exclusions for `model` and `code` sources.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace stowage::builder {

// What no image needs and what often holds secrets, excluded from every directory source as if
// these lines opened its .stowageignore (so a `!` line there can take one back): version-control
// metadata (.git/config holds the tokens CI checkouts embed), Python bytecode caches, and
// stowage's default output directory.
inline constexpr std::string_view kDefaultExcludes =
    ".git\n"
    ".hg/\n"
    ".svn/\n"
    "__pycache__/\n"
    "stowage-out/\n";

// The patterns of one .stowageignore file, matched against paths relative to the directory
// that holds the file. Supported syntax is gitignore's: `#` comments, blank lines, `!` to
// re-include, a trailing `/` for directories only, a leading or inner `/` to anchor at the
// root, `*`, `?`, `[...]` and `**` (any number of directories).
class IgnoreRules {
 public:
  IgnoreRules() = default;
  // Parses pattern text (never fails: like git, unmatched syntax simply matches nothing).
  explicit IgnoreRules(std::string_view text);
  // kDefaultExcludes followed by DIR/.stowageignore when present.
  static IgnoreRules load(const std::filesystem::path& dir);

  // Whether `relative_path` ('/'-separated, relative to the rules' directory) is excluded.
  bool excluded(std::string_view relative_path, bool is_directory) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string pattern;  // without leading '!' / trailing '/'
    bool negate = false;
    bool directory_only = false;
    bool anchored = false;  // contains a '/' before the end: matched against the full path
  };
  std::vector<Rule> rules_;
};

}  // namespace stowage::builder
