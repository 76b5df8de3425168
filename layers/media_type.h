// OCI and Docker media types, and what stowage knows about each.
//
// The only place their strings are written: everything else names these constants, so a typo
// cannot make a registry or a runtime refuse an image, and a new type is added here once.
#pragma once

#include <string_view>

namespace stowage::layers::media_type {

inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayerTar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
// Deprecated by the image spec but still found in Windows-derived bases; read like gzip.
inline constexpr std::string_view kOciNondistributableLayerGzip =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerForeignLayerGzip =
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

// An index or manifest list: something that points at per-platform manifests.
bool is_index(std::string_view mt);
// A single-platform image manifest (OCI or Docker schema 2).
bool is_manifest(std::string_view mt);
// A layer blob stowage can read (tar, tar+gzip, tar+zstd; OCI or Docker).
bool is_layer(std::string_view mt);

}  // namespace stowage::layers::media_type
