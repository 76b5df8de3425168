#include "layers/image_filesystem.h"

#include <deque>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/strings.h"

namespace stowage::layers {
namespace {

// Linux's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  for (auto& part : split(path, '/')) {
    if (!part.empty())
      out.push_back(std::move(part));
  }
  return out;
}

}  // namespace

void ImageFilesystem::erase_under(const std::string& dir) {
  if (dir.empty()) {
    nodes_.clear();
    return;
  }
  const std::string prefix = dir + "/";
  auto first = nodes_.lower_bound(prefix);
  auto last = first;
  while (last != nodes_.end() && last->first.starts_with(prefix))
    ++last;
  nodes_.erase(first, last);
}

void ImageFilesystem::put(const std::string& path, FsNode node) {
  if (node.type != FsNode::Type::directory)
    erase_under(path);
  nodes_[path] = std::move(node);
}

// A layer's whiteouts and opaque markers apply to the layers below it only, wherever they sit
// in the archive, so its entries are collected first and land after the removals.
void ImageFilesystem::apply_layer(const std::filesystem::path& blob, const KeepContent& keep) {
  TarReader reader(blob);
  std::vector<std::pair<std::string, FsNode>> entries;
  std::unordered_map<std::string, std::size_t> entry_at;  // path → index in entries
  std::vector<std::string> removed;
  std::vector<std::string> opaque;
  while (auto e = reader.next()) {
    auto slash = e->path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : e->path.substr(0, slash);
    std::string name = slash == std::string::npos ? e->path : e->path.substr(slash + 1);
    if (name == kOpaque) {
      opaque.push_back(dir);
      continue;
    }
    if (name.starts_with(kWhiteout)) {
      removed.push_back((dir.empty() ? "" : dir + "/") + name.substr(kWhiteout.size()));
      continue;
    }
    if (e->path == ".")
      continue;
    FsNode node;
    node.mode = e->mode;
    switch (e->type) {
      case TarReaderEntry::Type::directory:
        node.type = FsNode::Type::directory;
        break;
      case TarReaderEntry::Type::symlink:
        node.type = FsNode::Type::symlink;
        node.target = e->link_target;
        break;
      case TarReaderEntry::Type::hardlink: {
        // The target is an earlier entry of this layer, or else already in the view below.
        const FsNode* linked = nullptr;
        if (auto it = entry_at.find(e->link_target); it != entry_at.end())
          linked = &entries[it->second].second;
        else
          linked = find(e->link_target);
        if (linked) {
          node = *linked;
          if (e->mode != 0)
            node.mode = e->mode;
        }
        break;
      }
      case TarReaderEntry::Type::file:
        if (keep && keep(e->path, *e))
          node.content = std::make_shared<const std::string>(reader.read_all());
        break;
      case TarReaderEntry::Type::other:
        break;
    }
    entry_at[e->path] = entries.size();
    entries.emplace_back(e->path, std::move(node));
  }
  for (const auto& dir : opaque)
    erase_under(dir);
  for (const auto& path : removed) {
    nodes_.erase(path);
    erase_under(path);
  }
  for (auto& [path, node] : entries)
    put(path, std::move(node));
}

const FsNode* ImageFilesystem::find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool ImageFilesystem::exists(const std::string& path) const {
  if (path.empty() || nodes_.contains(path))
    return true;
  auto it = nodes_.lower_bound(path + "/");
  return it != nodes_.end() && it->first.starts_with(path + "/");
}

bool ImageFilesystem::is_directory(const std::string& path) const {
  const FsNode* node = find(path);
  return node ? node->type == FsNode::Type::directory : exists(path);
}

std::optional<std::string> ImageFilesystem::resolve(std::string_view path,
                                                    std::string_view cwd) const {
  std::vector<std::string> done;
  auto parts = components(path);
  std::deque<std::string> todo(parts.begin(), parts.end());
  if (!path.starts_with('/')) {
    auto base = components(cwd);
    todo.insert(todo.begin(), base.begin(), base.end());
  }
  int links = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".")
      continue;
    if (c == "..") {
      if (!done.empty())
        done.pop_back();
      continue;
    }
    done.push_back(c);
    std::string here = join(done, "/");
    const FsNode* node = find(here);
    if (node && node->type == FsNode::Type::symlink) {
      if (++links > kMaxSymlinks)
        return std::nullopt;
      done.pop_back();
      if (node->target.starts_with('/'))
        done.clear();
      auto more = components(node->target);
      todo.insert(todo.begin(), more.begin(), more.end());
      continue;
    }
    if (!exists(here))
      return std::nullopt;
    if (!todo.empty() && !is_directory(here))
      return std::nullopt;
  }
  return join(done, "/");
}

// One record per entry, fields separated by NUL: paths may hold any other byte.
std::string ImageFilesystem::serialise() const {
  std::string out;
  for (const auto& [path, node] : nodes_) {
    out += static_cast<char>(node.type);
    out += '\0' + std::to_string(node.mode) + '\0' + path + '\0' + node.target + '\0';
  }
  return out;
}

std::optional<ImageFilesystem> ImageFilesystem::deserialise(const std::string& data) {
  ImageFilesystem image;
  std::size_t pos = 0;
  auto field = [&]() -> std::optional<std::string> {
    auto end = data.find('\0', pos);
    if (end == std::string::npos)
      return std::nullopt;
    std::string f = data.substr(pos, end - pos);
    pos = end + 1;
    return f;
  };
  while (pos < data.size()) {
    auto type = field(), mode = field(), path = field(), target = field();
    if (!target || type->size() != 1 ||
        std::string_view("fdl").find((*type)[0]) ==

            std::string_view::npos ||
        mode->empty() || mode->size() > 9 ||
        mode->find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    image.nodes_[*path] = FsNode{static_cast<FsNode::Type>((*type)[0]),
                                 static_cast<std::uint32_t>(std::stoul(*mode)),
                                 *target,
                                 {}};
  }
  return image;
}

}  // namespace stowage::layers
