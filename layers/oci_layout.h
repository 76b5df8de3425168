// An OCI image layout directory (image-spec "image-layout.md"):
//   DIR/oci-layout           {"imageLayoutVersion":"1.0.0"}
//   DIR/index.json           an image index; entries tagged by org.opencontainers.image.ref.name
//   DIR/blobs/sha256/<hex>   content-addressed blobs
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "layers/blob_store.h"
#include "layers/image.h"

namespace stowage::layers {

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

// The largest index.json, manifest or config read from a layout. Registries refuse manifests
// over 4 MiB (distribution, containerd), and a real config is a few KiB to a few hundred:
// anything bigger is an attack on memory and time, not an image.
inline constexpr std::size_t kMaxDocumentSize = 4 << 20;

// Whether `name` is a valid org.opencontainers.image.ref.name (image-spec annotations.md):
//   ref ::= component ("/" component)*   component ::= alphanum (separator alphanum)*
//   alphanum ::= [A-Za-z0-9]+            separator ::= [-._:@+] | "--"
// So no spaces, no control characters, no leading '.', and no ".." or empty path components.
bool valid_ref_name(std::string_view name);

class OciLayout {
 public:
  // Opens an existing layout; throws InputError if DIR is not one (missing oci-layout,
  // unsupported version, unreadable index.json). Temporaries that a killed writer left in DIR
  // or its blob directory (core/file.h's naming, dead process) are removed.
  static OciLayout open(const std::filesystem::path& dir);
  // Opens DIR as a layout, creating an empty one if it does not exist.
  static OciLayout open_or_create(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  const BlobStore& blobs() const { return blobs_; }

  // index.json, never read through a symlink nor beyond kMaxDocumentSize. Throws InputError.
  Index index() const;
  // The manifest, index or config that `descriptor` names, read from the layout's blobs: not
  // through a symlink, at most kMaxDocumentSize bytes, of the descriptor's size and digest.
  // Throws InputError naming the file and the digest otherwise.
  std::string read_document(const Descriptor& descriptor) const;
  // The manifest tagged `tag`; with an empty tag, the only manifest in the layout.
  // Throws InputError naming the tags present when it is not found or ambiguous.
  Descriptor find(const std::string& tag) const;
  // Records `manifest` under `tag`, replacing any entry with that tag. index.json is
  // rewritten atomically, so readers see either the old or the new index. Throws InputError
  // when `tag` is not a valid_ref_name().
  void tag(const Descriptor& manifest, const std::string& tag) const;

 private:
  explicit OciLayout(std::filesystem::path dir);
  std::filesystem::path dir_;
  BlobStore blobs_;
};

}  // namespace stowage::layers
