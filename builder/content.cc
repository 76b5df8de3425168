#include "builder/content.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <tuple>

#include "builder/ignore_rules.h"
#include "core/error.h"
#include "core/file.h"

namespace stowage::builder {
namespace fs = std::filesystem;
using layers::TarEntry;

namespace {

// The owner of copied content: the recipe's numeric `user` ("1000" or "1000:1001"; the group
// defaults to the user's id), else root. The parser has already refused other forms.
std::pair<std::uint32_t, std::uint32_t> content_owner(const recipes::Recipe& recipe) {
  if (recipe.user.empty())
    return {0, 0};
  auto colon = recipe.user.find(':');
  auto uid = static_cast<std::uint32_t>(std::stoul(recipe.user.substr(0, colon)));
  auto gid = colon == std::string::npos
                 ? uid
                 : static_cast<std::uint32_t>(std::stoul(recipe.user.substr(colon + 1)));
  return {uid, gid};
}

// The target of the symlink `name` in `dir`.
std::string read_link_at(int dir, const char* name, const fs::path& host) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir, name, target.data(), target.size());
    if (n < 0)
      throw Error("cannot read symlink " + host.string() + ": " + errno_text(errno));
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

// The names in the open directory `dir` (without "." and "..").
std::vector<std::string> list_dir(const UniqueFd& dir, const fs::path& host) {
  // fdopendir takes over the descriptor it is given; the caller keeps its own.
  UniqueFd copy(::dup(dir.get()));
  std::unique_ptr<DIR, DirCloser> stream(copy ? ::fdopendir(copy.get()) : nullptr);
  if (!stream)
    throw Error("cannot list " + host.string() + ": " + errno_text(errno));
  copy.release();
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(stream.get())) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..")
      names.emplace_back(name);
  }
  if (errno != 0)
    throw Error("cannot list " + host.string() + ": " + errno_text(errno));
  return names;
}

Error changed_while_building(const fs::path& host) {
  return Error(host.string() + " changed while building; run again",
               "do not modify sources during a build");
}

// Walks a source tree through directory descriptors: every name is looked up in the directory
// that was listed, never through a path again, so a directory swapped for a symlink during
// the walk is not followed out of the tree. The tar writer later checks that each file it
// opens is the one walked (TarEntry::source_identity).

using DirId = std::pair<dev_t, ino_t>;

// The existing directories among `dirs`, by device and inode.
std::set<DirId> dir_ids(const std::vector<fs::path>& dirs) {
  std::set<DirId> ids;
  for (const fs::path& dir : dirs) {
    struct stat st {};
    if (!dir.empty() && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      ids.emplace(st.st_dev, st.st_ino);
  }
  return ids;
}

// Whether `dir` holds a CACHEDIR.TAG, the mark pytest, mypy, ruff, cargo and others put on
// their caches (its content must start with this signature).
bool is_tagged_cache(const fs::path& dir) {
  static constexpr std::string_view kSignature = "Signature: 8a477f597d28d172789f06886806bc55";
  std::ifstream tag(dir / "CACHEDIR.TAG", std::ios::binary);
  std::string head(kSignature.size(), '\0');
  tag.read(head.data(), static_cast<std::streamsize>(head.size()));
  return tag.gcount() == static_cast<std::streamsize>(head.size()) && head == kSignature;
}

struct Walk {
  const recipes::Recipe& recipe;
  const recipes::ContentEntry& entry;
  recipes::LayerClass layer_class;
  std::string origin;
  IgnoreRules ignore;
  std::set<DirId> own_dirs;
  std::vector<ContentItem> items;

  [[noreturn]] void fail(const std::string& what, const std::string& hint) const {
    throw InputError(what, hint, recipe.where(origin + ".src"));
  }

  // Image paths and symlink targets go into tar headers and JSON (layer keys, build history,
  // --json), which hold only UTF-8; a name that is not cannot be stored faithfully.
  void require_utf8(const fs::path& host, std::string_view text, const std::string& what) const {
    if (!layers::valid_utf8(text)) {
      fail(host.string() + ": " + what + " is not valid UTF-8",
           "image paths are UTF-8; rename it, or exclude it in .stowageignore");
    }
  }

  // Adds `name` of the directory `dir` (AT_FDCWD for the entry's source itself), known to the
  // user as `host`, at image path `image_path`; recurses into directories.
  void add(int dir, const char* name, const fs::path& host, const std::string& image_path,
           const std::string& rel) {
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail("cannot read " + host.string() + ": " + errno_text(errno),
           "check that the file exists and is readable");
    }
    require_utf8(host, image_path, "the file name");
    ContentItem item;
    item.layer_class = layer_class;
    item.origin = origin;
    item.device = st.st_dev;
    item.inode = st.st_ino;
    item.mtime_ns =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    item.ctime_ns =
        static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
    item.entry.path = image_path;
    item.entry.mode = st.st_mode & 07777;
    std::tie(item.entry.uid, item.entry.gid) = content_owner(recipe);
    if (S_ISREG(st.st_mode)) {
      item.entry.type = TarEntry::Type::file;
      item.entry.size = st.st_size;
      item.entry.source = host;
      item.entry.source_identity = FileIdentity{st.st_dev, st.st_ino};
    } else if (S_ISLNK(st.st_mode)) {
      item.entry.type = TarEntry::Type::symlink;
      item.entry.link_target = read_link_at(dir, name, host);
      require_utf8(host, item.entry.link_target, "the symlink's target");
    } else if (S_ISDIR(st.st_mode)) {
      item.entry.type = TarEntry::Type::directory;
    } else {
      fail(host.string() + " is not a regular file, directory or symlink",
           "devices, sockets and FIFOs cannot go into an image; exclude it in .stowageignore");
    }
    if (!image_path.empty())
      items.push_back(item);
    if (item.entry.type != TarEntry::Type::directory)
      return;

    UniqueFd sub(::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat opened {};
    if (!sub && (errno == ELOOP || errno == ENOTDIR))
      throw changed_while_building(host);
    if (!sub)
      fail("cannot open " + host.string() + ": " + errno_text(errno), "");
    if (::fstat(sub.get(), &opened) != 0 || opened.st_dev != st.st_dev ||
        opened.st_ino != st.st_ino) {
      throw changed_while_building(host);
    }
    for (const auto& child : list_dir(sub, host)) {
      if (rel.empty() && child == ".stowageignore")
        continue;
      std::string child_rel = rel.empty() ? child : rel + "/" + child;
      struct stat cst {};
      bool child_is_dir = ::fstatat(sub.get(), child.c_str(), &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
                          S_ISDIR(cst.st_mode);
      if (ignore.excluded(child_rel, child_is_dir))
        continue;
      if (child_is_dir &&
          (own_dirs.count({cst.st_dev, cst.st_ino}) != 0 || is_tagged_cache(host / child)))
        continue;
      add(sub.get(), child.c_str(), host / child,
          image_path.empty() ? child : image_path + "/" + child, child_rel);
    }
  }
};

// "/models/" → "models"; "/" → "".
std::string image_relative(std::string_view dst) {
  while (dst.starts_with('/'))
    dst.remove_prefix(1);
  while (dst.ends_with('/'))
    dst.remove_suffix(1);
  return std::string(dst);
}

}  // namespace

std::vector<ContentItem> collect_content(const recipes::Recipe& recipe,
                                         const recipes::ContentEntry& entry,
                                         recipes::LayerClass default_class,
                                         const std::string& origin,
                                         const std::vector<fs::path>& own_dirs) {
  const recipes::LayerClass layer_class = entry.class_override.value_or(default_class);
  Walk walk{recipe, entry, layer_class, origin, {}, dir_ids(own_dirs), {}};
  std::error_code ec;
  auto status = fs::symlink_status(entry.source, ec);
  if (ec || !fs::exists(status)) {
    walk.fail("source " + entry.src + " does not exist",
              "paths in `src` are relative to the recipe's directory " + recipe.dir.string());
  }
  std::string dst = image_relative(entry.dst);
  if (fs::is_directory(status)) {
    walk.ignore = IgnoreRules::load(entry.source);
    walk.add(AT_FDCWD, entry.source.c_str(), entry.source, dst, "");
  } else {
    // A file copied to a directory-style dst ("/app/") keeps its name.
    if (entry.dst.ends_with('/') || dst.empty()) {
      dst = dst.empty() ? entry.source.filename().string()
                        : dst + "/" + entry.source.filename().string();
    }
    walk.add(AT_FDCWD, entry.source.c_str(), entry.source, dst, "");
  }
  return std::move(walk.items);
}

std::vector<ContentItem> collect_recipe_content(const recipes::Recipe& recipe,
                                                const std::vector<fs::path>& own_dirs) {
  std::vector<ContentItem> all;
  auto take = [&](const std::vector<recipes::ContentEntry>& entries, recipes::LayerClass cls,
                  const std::string& field) {
    for (std::size_t i = 0; i < entries.size(); ++i) {
      auto items =
          collect_content(recipe, entries[i], cls, field + "[" + std::to_string(i) + "]", own_dirs);
      all.insert(all.end(), std::make_move_iterator(items.begin()),
                 std::make_move_iterator(items.end()));
    }
  };
  take(recipe.model, recipes::LayerClass::model, "model");
  take(recipe.code, recipes::LayerClass::code, "code");

  std::map<std::string, const ContentItem*> seen;
  std::vector<ContentItem> unique;
  unique.reserve(all.size());
  for (auto& item : all) {
    auto [it, inserted] = seen.emplace(item.entry.path, &item);
    if (inserted) {
      unique.push_back(item);
      continue;
    }
    bool both_dirs = it->second->entry.type == TarEntry::Type::directory &&
                     item.entry.type == TarEntry::Type::directory;
    if (!both_dirs) {
      throw InputError("/" + item.entry.path + " is provided by both " + it->second->origin +
                           " and " + item.origin,
                       "give each entry its own dst, or exclude the file in .stowageignore",
                       recipe.where(item.origin + ".dst"));
    }
  }
  return unique;
}

}  // namespace stowage::builder
