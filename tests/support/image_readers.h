// Reading images back with tools no one here wrote: skopeo and umoci.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stowage::testing {

// `skopeo inspect --raw` and `skopeo inspect --config` of oci:DIR:TAG, parsed.
nlohmann::json skopeo_raw_manifest(const std::filesystem::path& layout, const std::string& tag);
nlohmann::json skopeo_config(const std::filesystem::path& layout, const std::string& tag);

// `skopeo inspect` of an image in a registry (plain HTTP unless `extra` says otherwise): the
// manifest digest it reports.
std::string skopeo_digest(const std::string& ref,
                          const std::vector<std::string>& extra = {"--tls-verify=false"});

// `umoci unpack` of DIR:TAG into `bundle`; returns bundle/rootfs.
std::filesystem::path umoci_unpack(const std::filesystem::path& layout, const std::string& tag,
                                   const std::filesystem::path& bundle);

}  // namespace stowage::testing
