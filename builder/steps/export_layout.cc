// Step: export the image to an OCI layout. A new layout directory appears whole (it is built
// under a temporary name and renamed); an existing one only gains blobs before its index.json
// is replaced.
#include <cerrno>
#include <cstdio>

#include "builder/steps/steps.h"
#include "core/error.h"
#include "core/file.h"
#include "layers/oci_layout.h"
#include "registry/pull.h"

namespace stowage::builder::steps {

namespace fs = std::filesystem;

namespace {

// Copies the image's blobs into a layout at `dir` and tags it. When another build renamed its
// own new layout into place first, the image is added to that one.
void write_layout(const fs::path& dir, const std::string& tag, const layers::BlobStore& from,
                  const std::vector<layers::Digest>& blobs, const layers::Descriptor& manifest) {
  auto fill = [&](const layers::OciLayout& layout) {
    for (const auto& d : blobs)
      layout.blobs().link_from(from, d);
    layout.tag(manifest, tag);
  };
  bool fresh = !fs::exists(dir);
  fs::path target = dir;
  if (fresh) {
    fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
    fs::create_directories(parent);
    remove_stale_temporaries(parent, dir.filename().string());
    target = temporary_sibling(dir);
    fs::remove_all(target);
  }
  try {
    fill(fresh ? layers::OciLayout::open_or_create(target) : layers::OciLayout::open(dir));
    if (fresh && ::rename(target.c_str(), dir.c_str()) != 0) {
      if (errno != EEXIST && errno != ENOTEMPTY) {
        throw Error("cannot rename " + target.string() + " to " + dir.string() + ": " +
                    errno_text(errno));
      }
      fs::remove_all(target);
      fill(layers::OciLayout::open(dir));
    }
  } catch (...) {
    if (fresh) {
      std::error_code ec;
      fs::remove_all(target, ec);
    }
    throw;
  }
}

}  // namespace

void export_layout(const BuildContext& context, const PreparedBuild& prepared,
                   const layers::Manifest& manifest, BuildResult& result) {
  const auto& options = context.options;
  if (prepared.base.remote) {
    context.say("fetching the base image's layers for the layout");
    for (const auto& layer : prepared.base.layers)
      registry::fetch_blob(context.client, *prepared.base.remote, layer, context.cache.blobs);
  }
  std::vector<layers::Digest> blobs;
  for (const auto& l : manifest.layers)
    blobs.push_back(l.digest);
  blobs.push_back(manifest.config.digest);
  blobs.push_back(result.manifest.digest);
  context.say("writing " + options.output.string());
  write_layout(options.output, options.tag, context.cache.blobs, blobs, result.manifest);
  result.layout = options.output;
}

}  // namespace stowage::builder::steps
