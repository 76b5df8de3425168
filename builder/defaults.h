// The numbers and names a build uses that no recipe or flag sets, each with its reason. The
// layering defaults a recipe can override live with the recipe (recipes/recipe.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace stowage::builder {

// Prefix of the manifest annotations stowage adds beside the OCI ones (framework, CUDA,
// model digest): the OCI image spec reserves org.opencontainers.* and asks everyone else to
// use a reverse domain name of their own.
inline constexpr std::string_view kAnnotationPrefix = "dev.stowage.";

// When pushing to a new repository, a layer at least this big streams to the registry while
// it is built. Its upload takes seconds, worth a thread and a 4 MiB ring to overlap with the
// build; a smaller layer is uploaded in a moment once built (docs/performance.md).
inline constexpr std::int64_t kStreamedLayerBytes = std::int64_t{64} << 20;

// Layers smaller than this (the meta layer, a code tree) are done in a moment, so they do not
// count when the cores are shared out between layer builders and zstd workers: a build with
// one big layer gives that layer every core.
inline constexpr std::int64_t kHeavyLayerBytes = std::int64_t{1} << 20;

}  // namespace stowage::builder
