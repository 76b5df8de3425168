#include "builder/entrypoint_check.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "builder/image_env.h"
#include "core/error.h"
#include "core/file.h"
#include "core/strings.h"
#include "layers/digest.h"
#include "layers/image_filesystem.h"

namespace stowage::builder {
namespace fs = std::filesystem;

namespace {

using layers::FsNode;
using layers::ImageFilesystem;

ImageFilesystem base_view(const BaseImage& base, const layers::BlobStore& blobs,
                          const fs::path& index_dir) {
  std::string ids;
  for (const auto& l : base.layers)
    ids += l.digest.str() + "\n";
  fs::path cached;
  if (!index_dir.empty()) {
    cached = index_dir / (std::string(layers::Digest::of(ids).hex()) + ".index");
    if (fs::exists(cached)) {
      // A damaged index is rebuilt from the layers.
      if (auto view = ImageFilesystem::deserialise(read_file(cached)))
        return *view;
    }
  }
  ImageFilesystem view;
  for (const auto& l : base.layers)
    view.apply_layer(blobs.path_of(l.digest));
  if (!cached.empty()) {
    fs::create_directories(cached.parent_path());
    write_file_atomically(cached, view.serialise());
  }
  return view;
}

void apply_content(ImageFilesystem& view, const std::vector<ContentItem>& content) {
  for (const auto& item : content) {
    FsNode node;
    node.mode = item.entry.mode;
    if (item.entry.type == layers::TarEntry::Type::directory)
      node.type = FsNode::Type::directory;
    if (item.entry.type == layers::TarEntry::Type::symlink) {
      node.type = FsNode::Type::symlink;
      node.target = item.entry.link_target;
    }
    view.put(item.entry.path, std::move(node));
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

enum class Found { executable, missing, directory, not_executable };

Found classify(const ImageFilesystem& view, const std::optional<std::string>& resolved) {
  if (!resolved)
    return Found::missing;
  if (resolved->empty())
    return Found::directory;  // the root
  const FsNode* node = view.find(*resolved);
  if (!node)
    return view.exists(*resolved) ? Found::directory : Found::missing;
  if (node->type == FsNode::Type::directory)
    return Found::directory;
  return (node->mode & 0111) != 0 ? Found::executable : Found::not_executable;
}

// Executables elsewhere in the image with the same name, for "did you mean".
std::vector<std::string> same_name(const ImageFilesystem& view, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [path, node] : view.nodes()) {
    if (out.size() == 3)
      break;
    if (node.type != FsNode::Type::directory && (path == name || path.ends_with("/" + name)) &&
        classify(view, view.resolve("/" + path)) == Found::executable)
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
  ImageFilesystem view = base_local ? base_view(base, blobs, index_dir) : ImageFilesystem{};
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
    auto resolved = view.resolve(candidate, cwd);
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
        hint += "; did you mean " + join(similar, " or ") + "?";
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
  Found f = interpreter->empty() ? Found::missing : classify(view, view.resolve(*interpreter, cwd));
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
