// The version-control revision of the directory a recipe lives in.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace stowage::builder {

// The commit checked out in the git work tree that contains `dir`, read from the .git files
// directly (HEAD, loose refs, packed-refs; worktree `.git` files) so no git binary is needed.
// Returns "" when `dir` is not in a git work tree or the revision cannot be determined.
std::string git_revision(const std::filesystem::path& dir);

// The URL of the `origin` remote of that work tree (from its config file), made public with
// public_url(), since it ends up in the image's annotations. "" when there is none.
std::string git_origin_url(const std::filesystem::path& dir);

// `url` ("scheme://[userinfo@]host[:port]/path[?query][#fragment]") without userinfo, query
// and fragment, any of which may hold a token. Tokens often hold characters a URL should have
// escaped ('@', '/', '?', '#'), which make the URL ambiguous; a URL is therefore read two ways,
// as RFC 3986 says and with everything up to its last '@' taken as userinfo, and when the two
// disagree "" is returned: no annotation is better than a leaked or wrong one. URLs without
// "://" (scp-like "git@host:org/repo") have no place for a password and are kept as they are.
std::string public_url(std::string_view url);

}  // namespace stowage::builder
