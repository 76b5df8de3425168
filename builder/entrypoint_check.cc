#include "builder/entrypoint_check.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "builder/image_env.h"
#include "core/error.h"
#include "core/file.h"
#include "layers/digest.h"
#include "layers/tar_reader.h"

namespace stowage::builder {
namespace fs = std::filesystem;

namespace {

// Linux's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;

struct Node {
  enum class Type : char { file = 'f', directory = 'd', symlink = 'l' };
  Type type = Type::file;
  std::uint32_t mode = 0;
  std::string target;  // symlinks
};

// The merged file system: image paths without the leading '/' ("usr/bin/python3").
// A directory also exists implicitly when something lies under it.
using View = std::map<std::string, Node>;

void erase_under(View& view, const std::string& dir) {
  const std::string prefix = dir + "/";
  auto first = view.lower_bound(prefix);
  auto last = first;
  while (last != view.end() && last->first.starts_with(prefix))
    ++last;
  view.erase(first, last);
}

void put(View& view, const std::string& path, Node node) {
  // A file or link replacing a lower directory hides everything that was under it.
  if (node.type != Node::Type::directory)
    erase_under(view, path);
  view[path] = std::move(node);
}

// Applies one layer: its whiteouts and opaque markers remove lower content, then its entries
// land on top (overlayfs semantics, as the OCI image spec describes them).
void apply_layer(View& view, const fs::path& blob) {
  layers::TarReader reader(blob);
  std::vector<std::pair<std::string, Node>> entries;
  std::vector<std::string> removed;
  std::vector<std::string> opaque;
  while (auto e = reader.next()) {
    auto slash = e->path.rfind('/');
    std::string dir = slash == std::string::npos ? "" : e->path.substr(0, slash);
    std::string name = slash == std::string::npos ? e->path : e->path.substr(slash + 1);
    if (name == ".wh..wh..opq") {
      opaque.push_back(dir);
      continue;
    }
    if (name.starts_with(".wh.")) {
      removed.push_back((dir.empty() ? "" : dir + "/") + name.substr(4));
      continue;
    }
    Node node;
    node.mode = e->mode;
    switch (e->type) {
      case layers::TarReaderEntry::Type::directory:
        node.type = Node::Type::directory;
        break;
      case layers::TarReaderEntry::Type::symlink:
        node.type = Node::Type::symlink;
        node.target = e->link_target;
        break;
      case layers::TarReaderEntry::Type::hardlink:
        if (node.mode == 0) {
          auto linked = std::find_if(entries.rbegin(), entries.rend(),
                                     [&](const auto& p) { return p.first == e->link_target; });
          if (linked != entries.rend())
            node.mode = linked->second.mode;
        }
        break;
      case layers::TarReaderEntry::Type::file:
      case layers::TarReaderEntry::Type::other:
        break;
    }
    if (e->path != ".")
      entries.emplace_back(e->path, std::move(node));
  }
  for (const auto& dir : opaque)
    erase_under(view, dir);
  for (const auto& path : removed) {
    view.erase(path);
    erase_under(view, path);
  }
  for (auto& [path, node] : entries)
    put(view, path, std::move(node));
}

// The cache file: one record per entry, fields separated by NUL (paths may hold anything else).
std::string serialise(const View& view) {
  std::string out;
  for (const auto& [path, node] : view) {
    out += static_cast<char>(node.type);
    out += '\0' + std::to_string(node.mode) + '\0' + path + '\0' + node.target + '\0';
  }
  return out;
}

std::optional<View> deserialise(const std::string& data) {
  View view;
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
    if (!target || type->size() != 1 || mode->empty() ||
        mode->find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    view[*path] = Node{static_cast<Node::Type>((*type)[0]),
                       static_cast<std::uint32_t>(std::stoul(*mode)), *target};
  }
  return view;
}

View base_view(const BaseImage& base, const layers::BlobStore& blobs, const fs::path& index_dir) {
  std::string ids;
  for (const auto& l : base.layers)
    ids += l.digest.str() + "\n";
  fs::path cached;
  if (!index_dir.empty()) {
    cached = index_dir / (std::string(layers::Digest::of(ids).hex()) + ".index");
    if (fs::exists(cached)) {
      // A damaged index is rebuilt from the layers.
      if (auto view = deserialise(read_file(cached)))
        return *view;
    }
  }
  View view;
  for (const auto& l : base.layers)
    apply_layer(view, blobs.path_of(l.digest));
  if (!cached.empty()) {
    fs::create_directories(cached.parent_path());
    write_file_atomically(cached, serialise(view));
  }
  return view;
}

void apply_content(View& view, const std::vector<ContentItem>& content) {
  for (const auto& item : content) {
    Node node;
    node.mode = item.entry.mode;
    if (item.entry.type == layers::TarEntry::Type::directory)
      node.type = Node::Type::directory;
    if (item.entry.type == layers::TarEntry::Type::symlink) {
      node.type = Node::Type::symlink;
      node.target = item.entry.link_target;
    }
    put(view, item.entry.path, std::move(node));
  }
}

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos)
      end = path.size();
    if (end > start)
      out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "/") + p;
  return out;
}

bool has_children(const View& view, const std::string& dir) {
  auto it = view.lower_bound(dir + "/");
  return it != view.end() && it->first.starts_with(dir + "/");
}

// Where `path` (absolute, or relative to `cwd`) leads once every symlink is followed, as an
// image path without the leading '/'; nullopt when a component does not exist, is not a
// directory, or the links loop.
std::optional<std::string> resolve(const View& view, const std::string& path,
                                   const std::string& cwd) {
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
    std::string here = join(done);
    auto it = view.find(here);
    if (it != view.end() && it->second.type == Node::Type::symlink) {
      if (++links > kMaxSymlinks)
        return std::nullopt;
      done.pop_back();
      const std::string& target = it->second.target;
      if (target.starts_with('/'))
        done.clear();
      auto more = components(target);
      todo.insert(todo.begin(), more.begin(), more.end());
      continue;
    }
    bool exists = it != view.end() || has_children(view, here);
    if (!exists)
      return std::nullopt;
    bool is_dir = (it != view.end() && it->second.type == Node::Type::directory) ||
                  (it == view.end() && exists);
    if (!todo.empty() && !is_dir)
      return std::nullopt;
  }
  return join(done);
}

enum class Found { executable, missing, directory, not_executable };

Found classify(const View& view, const std::optional<std::string>& resolved) {
  if (!resolved)
    return Found::missing;
  if (resolved->empty())
    return Found::directory;  // the root
  auto it = view.find(*resolved);
  if (it == view.end())
    return has_children(view, *resolved) ? Found::directory : Found::missing;
  if (it->second.type == Node::Type::directory)
    return Found::directory;
  return (it->second.mode & 0111) != 0 ? Found::executable : Found::not_executable;
}

// Executables elsewhere in the image with the same name, for "did you mean".
std::vector<std::string> same_name(const View& view, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [path, node] : view) {
    if (out.size() == 3)
      break;
    if (node.type != Node::Type::directory && (path == name || path.ends_with("/" + name)) &&
        classify(view, resolve(view, "/" + path, "")) == Found::executable)
      out.push_back("/" + path);
  }
  return out;
}

// The interpreter a script's first line names ("#!/usr/bin/env python3" → "/usr/bin/env"), or
// nullopt when the file is not a script. Keeps a trailing '\r' so that it can be reported.
std::optional<std::string> shebang_of(const ContentItem& item) {
  std::string head;
  if (item.entry.content) {
    head = item.entry.content->substr(0, 256);
  } else if (!item.entry.source.empty()) {
    std::ifstream in(item.entry.source, std::ios::binary);
    head.resize(256);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (!head.starts_with("#!"))
    return std::nullopt;
  std::string line = head.substr(
      2, head.find('\n') == std::string::npos ? std::string::npos : head.find('\n') - 2);
  auto start = line.find_first_not_of(" \t");
  if (start == std::string::npos)
    return std::string{};
  auto end = line.find_first_of(" \t", start);
  return line.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : std::string(separator)) + i;
  return out;
}

EntrypointCheck check_in_image(const recipes::Recipe& recipe, const BaseImage& base,
                               const std::vector<ContentItem>& content,
                               const layers::BlobStore& blobs, const fs::path& index_dir) {
  EntrypointCheck result;
  if (recipe.serve.command.empty())
    return result;
  const std::string& command = recipe.serve.command[0];
  const auto where = recipe.where("serve.command[0]");

  bool base_local = std::all_of(base.layers.begin(), base.layers.end(),
                                [&](const auto& l) { return blobs.has(l.digest); });
  View view = base_local ? base_view(base, blobs, index_dir) : View{};
  apply_content(view, content);

  std::string cwd = recipe.workdir.empty() ? base.config.config.working_dir : recipe.workdir;
  const std::string path_env = env_value(image_env(base.config.config.env, recipe.env), "PATH");
  std::vector<std::string> candidates;
  if (command.find('/') != std::string::npos) {
    candidates.push_back(command);
  } else {
    std::istringstream dirs(path_env);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      if (!dir.empty())
        candidates.push_back(dir + "/" + command);
    }
  }

  // As execvp: the first candidate that is an executable file wins; otherwise the most
  // telling failure is reported.
  Found found = Found::missing;
  std::string failed;
  for (const auto& candidate : candidates) {
    auto resolved = resolve(view, candidate, cwd);
    Found f = classify(view, resolved);
    if (f == Found::executable) {
      result.executable = "/" + *resolved;
      found = f;
      break;
    }
    if (f != Found::missing && found == Found::missing) {
      found = f;
      failed = candidate;
    }
  }

  const std::string what = "serve.command: " + command;
  if (found != Found::executable && !base_local) {
    result.warning = what + " was not checked: it is not in the recipe's own content, and the " +
                     "layers of the base image " + base.description +
                     " are in its registry, not here; make sure the base provides it";
    return result;
  }
  switch (found) {
    case Found::executable:
      break;
    case Found::directory:
      throw InputError(what + " is a directory in the image",
                       "name the program to run, e.g. [python3, " + failed + "/main.py]", where);
    case Found::not_executable:
      throw InputError(what + " is not executable in the image (no execute bit)",
                       "make it executable (chmod +x) or run it through its interpreter, e.g. "
                       "[python3, " +
                           failed + "]",
                       where);
    case Found::missing: {
      std::string hint;
      if (command.find('/') == std::string::npos) {
        hint = "no executable " + command + " in the image's PATH (" + path_env + ")";
      } else {
        hint = "no such file in the base image " + base.description +
               " or in the recipe's model, code and Python packages";
      }
      std::string name = components(command).empty() ? command : components(command).back();
      if (auto similar = same_name(view, name); !similar.empty()) {
        hint += "; did you mean " + joined(similar, " or ") + "?";
      } else {
        hint += "; add it to the base image or to `code:`, or fix the path";
      }
      throw InputError(what + " does not exist in the image", hint, where);
    }
  }

  // A script the build adds must name an interpreter that exists, or exec fails just the same.
  const std::string relative = result.executable.substr(1);
  auto item = std::find_if(content.rbegin(), content.rend(),
                           [&](const ContentItem& c) { return c.entry.path == relative; });
  if (item == content.rend() || item->entry.type != layers::TarEntry::Type::file)
    return result;
  auto interpreter = shebang_of(*item);
  if (!interpreter)
    return result;
  if (interpreter->ends_with('\r')) {
    throw InputError(what + " has Windows line endings: its #! line names \"" +
                         interpreter->substr(0, interpreter->size() - 1) + "\\r\"",
                     "convert " + item->entry.source.string() + " to Unix line endings (dos2unix)",
                     where);
  }
  Found f =
      interpreter->empty() ? Found::missing : classify(view, resolve(view, *interpreter, cwd));
  if (f == Found::executable)
    return result;
  if (!base_local) {
    result.warning = what + " starts with #!" + *interpreter +
                     ", which was not checked: " + "the layers of the base image " +
                     base.description + " are in its registry, not here";
    return result;
  }
  throw InputError(what + " starts with #!" + *interpreter +
                       ", which does not exist or is not executable in the image",
                   "fix the #! line, or put the interpreter first in serve.command", where);
}

}  // namespace

EntrypointCheck check_entrypoint(const recipes::Recipe& recipe, const BaseImage& base,
                                 const std::vector<ContentItem>& content,
                                 const layers::BlobStore& blobs, const fs::path& index_dir) {
  if (!base.remote)
    return check_in_image(recipe, base, content, blobs, index_dir);
  // A registry base's layers are here only when an earlier build fetched them for a layout.
  // What they show is reported but never refused, so that whether a build succeeds does not
  // depend on what the cache happens to hold.
  try {
    return check_in_image(recipe, base, content, blobs, index_dir);
  } catch (const InputError& e) {
    EntrypointCheck result;
    result.warning = e.reason() + " (" + e.hint() + "); not refused because the base " +
                     base.description + " is a registry image";
    return result;
  }
}

}  // namespace stowage::builder
