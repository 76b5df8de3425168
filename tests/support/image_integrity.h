// Checks that what stowage left behind is whole: an OCI layout, a blob directory, a cache, a
// registry tag. Each reads the bytes itself and hashes them; none trusts stowage's own code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stowage::testing {

// The manifest digest that index.json of a layout records for `tag`; empty when none.
std::string layout_manifest_digest(const std::filesystem::path& layout, const std::string& tag);

// The digest ("sha256:…") of the image tagged in the OCI layout `dir` (its only manifest).
std::string layout_digest(const std::filesystem::path& dir);

// Every blob under DIR/blobs/sha256 hashes to its name (no partial or corrupt blob).
// Temporary files (an interrupted writer's) are not blobs and are skipped.
bool all_blobs_intact(const std::filesystem::path& dir, std::string* first_bad = nullptr);

// Blob files under `blobs_dir` (<dir>/<hex>) whose SHA-256 is not their name.
std::vector<std::string> corrupt_blobs(const std::filesystem::path& blobs_dir);

// Problems with the OCI layout at `dir`: unreadable index, a manifest, config or layer the
// index reaches that is missing or does not match its digest. Empty when whole.
std::vector<std::string> layout_problems(const std::filesystem::path& dir);

// Files in `dir` (recursively) whose name marks them as temporary ("*.tmp-*").
std::vector<std::string> temporaries_under(const std::filesystem::path& dir);

// A registry tag as the registry itself (not a proxy) sees it.
struct TagState {
  std::optional<std::string> digest;  // nullopt: the tag does not exist
  std::vector<std::string> missing;   // blobs the tagged manifest names that the registry lacks
};
// Reads host/repo:tag over plain HTTP with curl (no credentials).
TagState tag_state(const std::string& host, const std::string& repo, const std::string& tag);

}  // namespace stowage::testing
