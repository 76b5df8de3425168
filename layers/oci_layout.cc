#include "layers/oci_layout.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"

namespace stowage::layers {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLayoutFile = "oci-layout";
constexpr std::string_view kLayoutContent = R"({"imageLayoutVersion":"1.0.0"})";

InputError not_a_layout(const fs::path& dir, const std::string& why) {
  return InputError(dir.string() + " is not an OCI image layout: " + why,
                    "give a directory written by stowage, skopeo or another OCI tool");
}

void check_layout(const fs::path& dir) {
  fs::path marker = dir / kLayoutFile;
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(marker, ec)))
    throw not_a_layout(dir, "no oci-layout file");
  std::string text;
  try {
    text = read_regular_file(marker, kMaxDocumentSize);
  } catch (const Error& e) {
    throw not_a_layout(dir, e.reason());
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("imageLayoutVersion") ||
      !j["imageLayoutVersion"].is_string()) {
    throw not_a_layout(dir, "oci-layout is malformed");
  }
  if (j["imageLayoutVersion"] != "1.0.0") {
    throw not_a_layout(
        dir, "unsupported imageLayoutVersion " + j["imageLayoutVersion"].get<std::string>());
  }
  if (!fs::exists(fs::symlink_status(dir / "index.json", ec)))
    throw not_a_layout(dir, "no index.json");
}

std::string ref_name(const Descriptor& d) {
  auto it = d.annotations.find(std::string(kRefNameAnnotation));
  return it == d.annotations.end() ? std::string() : it->second;
}

std::string list_tags(const Index& index) {
  std::string out;
  for (const auto& d : index.manifests) {
    std::string name = ref_name(d);
    out += (out.empty() ? "" : ", ") + (name.empty() ? "(untagged " + d.digest.str() + ")" : name);
  }
  return out.empty() ? "none" : out;
}

// Serialises read-modify-write cycles of index.json between processes.
class LayoutLock {
 public:
  explicit LayoutLock(const fs::path& dir)
      : fd_(::open((dir / kLayoutFile).c_str(), O_RDONLY | O_CLOEXEC)) {
    if (!fd_)
      throw Error("cannot open " + (dir / kLayoutFile).string() + ": " + errno_text(errno));
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR)
        throw Error("cannot lock " + dir.string() + ": " + errno_text(errno));
    }
  }

 private:
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace

OciLayout::OciLayout(fs::path dir) : dir_(std::move(dir)), blobs_(dir_) {}

OciLayout OciLayout::open(const fs::path& dir) {
  check_layout(dir);
  // A writer killed between writing a temporary and renaming it (index.json, an imported blob)
  // leaves it behind; nothing else would ever remove it.
  remove_stale_temporaries(dir);
  remove_stale_temporaries(dir / "blobs" / "sha256");
  OciLayout layout(dir);
  layout.index();  // refuse an unreadable index.json now rather than later
  return layout;
}

OciLayout OciLayout::open_or_create(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kLayoutFile, ec))
    return open(dir);
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    throw InputError(dir.string() + " exists and is not an OCI image layout",
                     "choose an empty or new directory for the output");
  }
  fs::create_directories(dir, ec);
  if (ec)
    throw Error("cannot create " + dir.string() + ": " + ec.message());
  OciLayout layout(dir);  // creates blobs/sha256
  write_file_atomically(dir / "index.json", to_json(Index{}));
  // oci-layout last: a directory without it is never mistaken for a complete layout.
  write_file_atomically(dir / kLayoutFile, kLayoutContent);
  return layout;
}

Index OciLayout::index() const {
  fs::path path = dir_ / "index.json";
  try {
    return parse_index(read_regular_file(path, kMaxDocumentSize));
  } catch (const Error& e) {
    throw InputError(path.string() + ": " + e.reason(), "the layout is damaged; rebuild it");
  }
}

std::string OciLayout::read_document(const Descriptor& descriptor) const {
  fs::path path = blobs_.path_of(descriptor.digest);
  auto damaged = [&](const std::string& why) {
    return InputError(path.string() + " (" + descriptor.digest.str() + "): " + why,
                      "the layout is damaged; rebuild it");
  };
  if (descriptor.size < 0 || static_cast<std::uint64_t>(descriptor.size) > kMaxDocumentSize) {
    throw damaged("its descriptor says " + std::to_string(descriptor.size) + " bytes, over the " +
                  std::to_string(kMaxDocumentSize) + " allowed for a manifest, index or config");
  }
  std::string data;
  try {
    data = read_regular_file(path, kMaxDocumentSize);
  } catch (const Error& e) {
    throw damaged(e.reason());
  }
  if (static_cast<std::int64_t>(data.size()) != descriptor.size) {
    throw damaged("it has " + std::to_string(data.size()) + " bytes, its descriptor says " +
                  std::to_string(descriptor.size));
  }
  if (Digest actual = Digest::of(data); actual != descriptor.digest)
    throw damaged("its content hashes to " + actual.str());
  return data;
}

Descriptor OciLayout::find(const std::string& tag) const {
  Index idx = index();
  if (tag.empty()) {
    if (idx.manifests.size() == 1)
      return idx.manifests.front();
    throw InputError(dir_.string() + " holds " + std::to_string(idx.manifests.size()) +
                         " images; name one (tags: " + list_tags(idx) + ")",
                     "use oci:DIR:TAG");
  }
  for (const auto& d : idx.manifests) {
    if (ref_name(d) == tag)
      return d;
  }
  throw InputError(
      "no image tagged \"" + tag + "\" in " + dir_.string() + " (tags: " + list_tags(idx) + ")",
      "use one of the tags present");
}

bool valid_ref_name(std::string_view name) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  // After a separator (or at the start of a component) an alphanumeric must follow.
  bool need_alnum = true;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (alnum(c)) {
      need_alnum = false;
    } else if (need_alnum) {
      return false;
    } else if (c == '-' && i + 1 < name.size() && name[i + 1] == '-') {
      ++i;
      need_alnum = true;
    } else if (c == '/' || c == '-' || c == '.' || c == '_' || c == ':' || c == '@' || c == '+') {
      need_alnum = true;
    } else {
      return false;
    }
  }
  return !need_alnum;
}

void OciLayout::tag(const Descriptor& manifest, const std::string& tag) const {
  if (!valid_ref_name(tag)) {
    throw InputError("\"" + tag + "\" is not a valid name for an image in an OCI layout",
                     "use letters and digits separated by one of - . _ : @ + / (e.g. v1.2)");
  }
  LayoutLock lock(dir_);
  Index idx = index();
  std::erase_if(idx.manifests, [&](const Descriptor& d) { return ref_name(d) == tag; });
  Descriptor entry = manifest;
  entry.annotations[std::string(kRefNameAnnotation)] = tag;
  idx.manifests.push_back(std::move(entry));
  write_file_atomically(dir_ / "index.json", to_json(idx));
}

}  // namespace stowage::layers
