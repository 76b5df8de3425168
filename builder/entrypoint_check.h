// Does the image's serve.command name an executable that exists in it?
//
// A missing entrypoint otherwise shows only when a node starts the container ("exec: no such
// file or directory"), after the build, the push and the rollout. This check finds it before
// anything is built, without extracting or running anything: it looks the command up in the
// image's merged file system (layers::ImageFilesystem: the base image's layers with the OCI
// layer rules applied) under the content the build adds (model, code, Python packages).
//
// The lookup follows the rules a runtime's exec follows:
//   - a command with a '/' is a path, absolute or relative to the image's working directory;
//   - a bare name is searched in the image's PATH (builder/image_env.h: the recipe's, else the
//     base's, else the conventional default the build writes), skipping matches that are not
//     executable;
//   - symlinks are followed anywhere in the path (/bin -> usr/bin, python3 -> python3.11), at
//     most 40 of them;
//   - the result must be a regular file with an execute bit; when it is a script the build
//     adds, the interpreter on its #! line must exist too.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "builder/base_image.h"
#include "builder/content.h"
#include "layers/blob_store.h"
#include "recipes/recipe.h"

namespace stowage::builder {

struct EntrypointCheck {
  // The absolute path serve.command[0] resolves to ("/usr/bin/python3.11"); empty when the
  // recipe has no serve.command or the lookup could not be completed.
  std::string executable;
  // Set for a registry base instead of refusing: when its layers are not here (a push-only
  // build never downloads them) and the command is not in the build's own content, nothing
  // was proven; when they are cached here and show the command missing, what was found.
  // Without "stowage: warning: ".
  std::string warning;
};

// Checks recipe.serve.command against the base's layers (found in `blobs`) and `content`.
// A base index is remembered in `index_dir` (one file per set of base layers), so a big
// base is read once; an empty `index_dir` disables that.
// Throws InputError at serve.command's location, with a hint, when the executable does not
// exist, is a directory or is not executable, or when a script's interpreter does not exist;
// for a registry base these are warnings (see EntrypointCheck::warning), so that a build's
// outcome does not depend on whether an earlier build happened to cache the base's layers.
// Throws Error when a base layer cannot be read.
EntrypointCheck check_entrypoint(const recipes::Recipe& recipe, const BaseImage& base,
                                 const std::vector<ContentItem>& content,
                                 const layers::BlobStore& blobs,
                                 const std::filesystem::path& index_dir);

}  // namespace stowage::builder
