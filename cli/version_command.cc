#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/version.h"

namespace stowage::cli {

void add_version_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the version and the linked libraries");
  cmd->callback([] { fmt::print("stowage {}\n{}", version(), library_versions()); });
}

}  // namespace stowage::cli
