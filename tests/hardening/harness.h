// What the end-to-end hardening tests share: running stowage, small projects, and the checks
// that a cache, an OCI layout or a registry tag is whole.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace stowage::testing {

// Runs the stowage binary with STOWAGE_CACHE=`cache` (and `env`), never the user's config.
ProcessResult run_stowage(const std::vector<std::string>& args, const std::filesystem::path& cache,
                          std::map<std::string, std::string> env = {});
// The argv and environment run_stowage uses, for starting stowage in the background.
std::vector<std::string> stowage_argv(const std::vector<std::string>& args);
RunOptions stowage_options(const std::filesystem::path& cache,
                           std::map<std::string, std::string> env = {});

// A project in `dir`: stowage.yaml (scratch base, env, serve) with `models` random files of
// `model_bytes` each under models/ (each its own layer), app code, and `extra_recipe` appended.
void make_project(const std::filesystem::path& dir, unsigned seed, int models,
                  std::int64_t model_bytes, const std::string& extra_recipe = {});

// The digest ("sha256:…") of the image tagged in the OCI layout `dir` (its only manifest).
std::string layout_digest(const std::filesystem::path& dir);

// Files in `dir` (recursively) whose name marks them as temporary ("*.tmp-*").
std::vector<std::string> temporaries_under(const std::filesystem::path& dir);

// Blob files under `blobs_dir` (<dir>/<hex>) whose SHA-256 is not their name.
std::vector<std::string> corrupt_blobs(const std::filesystem::path& blobs_dir);

// Problems with the OCI layout at `dir`: unreadable index, a manifest, config or layer the
// index reaches that is missing or does not match its digest. Empty when whole.
std::vector<std::string> layout_problems(const std::filesystem::path& dir);

// A registry tag as the registry itself (not a proxy) sees it.
struct TagState {
  std::optional<std::string> digest;  // nullopt: the tag does not exist
  std::vector<std::string> missing;   // blobs the tagged manifest names that the registry lacks
};
// Reads host/repo:tag over plain HTTP with curl (no credentials).
TagState tag_state(const std::string& host, const std::string& repo, const std::string& tag);

}  // namespace stowage::testing
