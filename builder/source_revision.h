// The version-control revision of the directory a recipe lives in.
#pragma once

#include <filesystem>
#include <string>

namespace stowage::builder {

// The commit checked out in the git work tree that contains `dir`, read from the .git files
// directly (HEAD, loose refs, packed-refs; worktree `.git` files) so no git binary is needed.
// Returns "" when `dir` is not in a git work tree or the revision cannot be determined.
std::string git_revision(const std::filesystem::path& dir);

// The URL of the `origin` remote of that work tree (from its config file), with any
// credentials ("https://user:token@host/…") removed, since it ends up in the image's
// annotations. "" when there is none.
std::string git_origin_url(const std::filesystem::path& dir);

}  // namespace stowage::builder
