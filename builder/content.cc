#include "builder/content.h"

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "builder/ignore_rules.h"
#include "core/error.h"

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

  // Adds `host` at image path `image_path`; recurses into directories.
  void add(const fs::path& host, const std::string& image_path, const std::string& rel) {
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      fail("cannot read " + host.string() + ": " + errno_text(errno),
           "check that the file exists and is readable");
    }
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
    } else if (S_ISLNK(st.st_mode)) {
      item.entry.type = TarEntry::Type::symlink;
      std::error_code ec;
      item.entry.link_target = fs::read_symlink(host, ec).string();
      if (ec)
        fail("cannot read symlink " + host.string() + ": " + ec.message(), "");
    } else if (S_ISDIR(st.st_mode)) {
      item.entry.type = TarEntry::Type::directory;
    } else {
      fail(host.string() + " is not a regular file, directory or symlink",
           "devices, sockets and FIFOs cannot go into an image; exclude it in .stowageignore");
    }
    bool is_dir = item.entry.type == TarEntry::Type::directory;
    if (!image_path.empty())
      items.push_back(item);
    if (!is_dir)
      return;

    std::error_code ec;
    std::vector<fs::path> children;
    for (fs::directory_iterator it(host, ec), end; !ec && it != end; it.increment(ec)) {
      children.push_back(it->path());
    }
    if (ec)
      fail("cannot list " + host.string() + ": " + ec.message(), "");
    for (const auto& child : children) {
      std::string name = child.filename().string();
      if (rel.empty() && name == ".stowageignore")
        continue;
      std::string child_rel = rel.empty() ? name : rel + "/" + name;
      struct stat cst {};
      bool child_is_dir = ::lstat(child.c_str(), &cst) == 0 && S_ISDIR(cst.st_mode);
      if (ignore.excluded(child_rel, child_is_dir))
        continue;
      if (child_is_dir && (own_dirs.count({cst.st_dev, cst.st_ino}) != 0 || is_tagged_cache(child)))
        continue;
      add(child, image_path.empty() ? name : image_path + "/" + name, child_rel);
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
    walk.add(entry.source, dst, "");
  } else {
    // A file copied to a directory-style dst ("/app/") keeps its name.
    if (entry.dst.ends_with('/') || dst.empty()) {
      dst = dst.empty() ? entry.source.filename().string()
                        : dst + "/" + entry.source.filename().string();
    }
    walk.add(entry.source, dst, "");
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
