// The CLI's commands. Each is a thin shell: parse flags, call the library, print.
#pragma once

#include <CLI/CLI.hpp>

namespace stowage::cli {

// Flags every command shares.
struct GlobalFlags {
  bool json = false;      // machine-readable output on stdout
  bool progress = false;  // progress lines on stderr even when it is not a terminal
};

void add_version_command(CLI::App& app);
void add_build_command(CLI::App& app, GlobalFlags& flags);
void add_plan_command(CLI::App& app, GlobalFlags& flags);
void add_frameworks_command(CLI::App& app, GlobalFlags& flags);
void add_doctor_command(CLI::App& app, GlobalFlags& flags);
void add_push_command(CLI::App& app, GlobalFlags& flags);
void add_inspect_command(CLI::App& app, GlobalFlags& flags);
void add_manifests_command(CLI::App& app);
void add_cache_command(CLI::App& app, GlobalFlags& flags);

}  // namespace stowage::cli
