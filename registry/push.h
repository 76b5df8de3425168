// Pushing images to a registry, in the order that never leaves a tag on a partial image:
//   1. the manifest already there under the tag (or by digest)? then nothing (or only the tag)
//      is sent;
//   2. every blob (config and layers), in parallel, each digest once:
//        HEAD — present: skipped;
//        cross-repository mount from a registry source on the same registry — mounted;
//        upload from the first source that has it, local sources before registry ones
//        (see upload.h) — uploaded;
//   3. the manifest, last, only once every blob is confirmed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "layers/image.h"
#include "registry/blob_source.h"
#include "registry/client.h"
#include "registry/reference.h"
#include "registry/upload.h"

namespace stowage::registry {

struct PushOptions {
  // Blobs transferred at once. 4 fills a link without tripping registries' rate limits.
  int parallelism = 4;
  // 0 = monolithic uploads (fastest); otherwise the largest request body, for registries and
  // proxies that cap request sizes.
  std::int64_t chunk_size = 0;
  // Progress of uploads; see upload.h. Empty = none.
  ProgressCallback progress;
};

// What happened to one blob.
enum class BlobOutcome { uploaded, present, mounted };
std::string_view outcome_name(BlobOutcome outcome);  // "uploaded", "present", "mounted"

struct BlobReport {
  layers::Descriptor blob;
  BlobOutcome outcome = BlobOutcome::uploaded;
  // Bytes sent over the wire for this blob (0 unless uploaded; above its size after resends).
  std::int64_t bytes_uploaded = 0;
  // For a mount: the repository it came from ("org/base").
  std::string mounted_from;
};

struct PushReport {
  // The target, pinned to the pushed manifest's digest ("host/repo:tag@sha256:…").
  Reference reference;
  layers::Digest manifest_digest;
  // True when the registry had the manifest already and no blob was looked at.
  bool manifest_present = false;
  std::vector<BlobReport> blobs;  // config first, then layers in manifest order

  std::int64_t bytes_uploaded() const;
};

// The report as canonical JSON, for `--json`:
// {"reference","digest","manifest_present","bytes_uploaded","blobs":[{"digest","size",
//  "media_type","outcome","bytes_uploaded","mounted_from"?}]}
std::string to_json(const PushReport& report);

// An image to push: the exact manifest bytes (their SHA-256 is the image digest) and config
// bytes. Layers are the manifest's.
struct ImageToPush {
  std::string raw_manifest;
  std::string raw_config;
};

// Pushes `image` to `target` (its tag; a digest-only target pushes by digest), taking each
// blob from the first of `sources` that has it, local sources before registry sources (the
// config comes from `raw_config`). Registry sources on the target's registry are also tried
// for a cross-repository mount before any upload. Blobs in `pushed_ahead` (push_blob's reports,
// e.g. from a BackgroundPush that ran during the build) are not looked at again; their reports
// are kept. Throws
// InputError when the manifest is not an image manifest or the config does not match its
// descriptor, and Error when a blob is in no source or the registry refuses; in every failure
// case the manifest is not pushed, so the tag keeps pointing at what it pointed at before.
PushReport push_image(Client& client, const Reference& target, const ImageToPush& image,
                      const std::vector<std::shared_ptr<BlobSource>>& sources,
                      const PushOptions& options = {},
                      const std::vector<BlobReport>& pushed_ahead = {});

// Step 2 of push_image for one blob, without the manifest: HEAD, cross-repository mount from a
// registry source on the target's registry, else upload from the first source that has it.
// Throws Error when the blob is in no source or the registry refuses it.
BlobReport push_blob(Client& client, const Reference& target, const layers::Descriptor& blob,
                     const std::vector<std::shared_ptr<BlobSource>>& sources,
                     const PushOptions& options = {});

// Pushes an index (or Docker manifest list) to `target`, after the manifests it lists were
// pushed (push_image to target.with_digest(manifest digest)). Returns `target` pinned to the
// index's digest. Throws InputError when `raw_index` is not an index, Error when the registry
// refuses it.
Reference push_index(Client& client, const Reference& target, const std::string& raw_index);

// Pushes the image tagged `tag` in the OCI image layout `layout_dir` (empty `tag`: its only
// image) to `target` — `stowage push DIR REF`. An index is pushed with every manifest it lists
// (by digest) before it. Throws InputError for a missing layout or tag.
PushReport push_layout(Client& client, const std::filesystem::path& layout_dir,
                       const std::string& tag, const Reference& target,
                       const PushOptions& options = {});

}  // namespace stowage::registry
