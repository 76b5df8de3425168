// Reading built images back with tools no one here wrote: skopeo and umoci.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace stowage::testing {

// `skopeo inspect --raw` and `skopeo inspect --config` of oci:DIR:TAG, parsed.
nlohmann::json skopeo_raw_manifest(const std::filesystem::path& layout, const std::string& tag);
nlohmann::json skopeo_config(const std::filesystem::path& layout, const std::string& tag);

// `umoci unpack` of DIR:TAG into `bundle`; returns bundle/rootfs.
std::filesystem::path umoci_unpack(const std::filesystem::path& layout, const std::string& tag,
                                   const std::filesystem::path& bundle);

// The manifest digest that index.json of a layout records for `tag`.
std::string layout_manifest_digest(const std::filesystem::path& layout, const std::string& tag);

// Every blob under DIR/blobs/sha256 hashes to its name (no partial or corrupt blob).
// Temporary files (an interrupted writer's) are not blobs and are skipped.
bool all_blobs_intact(const std::filesystem::path& dir, std::string* first_bad = nullptr);

}  // namespace stowage::testing
