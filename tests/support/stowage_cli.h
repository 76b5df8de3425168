// Running the stowage binary under test the way a user would, on small generated projects.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
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

}  // namespace stowage::testing
