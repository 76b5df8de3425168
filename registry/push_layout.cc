#include "core/error.h"
#include "layers/media_type.h"
#include "layers/oci_layout.h"
#include "registry/push.h"

namespace stowage::registry {

namespace mt = layers::media_type;

PushReport push_layout(Client& client, const std::filesystem::path& layout_dir,
                       const std::string& tag, const Reference& target,
                       const PushOptions& options) {
  auto layout = layers::OciLayout::open(layout_dir);
  layers::Descriptor top = layout.find(tag);
  auto local = std::make_shared<LocalBlobSource>(layout.blobs());
  auto push_manifest = [&](const layers::Descriptor& d, const Reference& to) {
    std::string raw = layout.read_document(d);
    layers::Manifest m = layers::parse_manifest(raw);
    return push_image(client, to, {raw, layout.read_document(m.config)}, {local}, options);
  };
  if (!mt::is_index(top.media_type))
    return push_manifest(top, target);

  std::string raw_index = layout.read_document(top);
  layers::Index index = layers::parse_index(raw_index);
  layers::Digest digest = layers::Digest::of(raw_index);
  PushReport report{target.with_digest(digest), digest, false, {}};
  for (const auto& m : index.manifests) {
    if (!mt::is_manifest(m.media_type)) {
      throw InputError("the index " + tag + " in " + layout_dir.string() + " lists a \"" +
                       m.media_type + "\"; only image manifests can be pushed from an index");
    }
    PushReport child = push_manifest(m, target.with_digest(m.digest));
    report.blobs.insert(report.blobs.end(), child.blobs.begin(), child.blobs.end());
  }
  push_index(client, target, raw_index);
  return report;
}

}  // namespace stowage::registry
