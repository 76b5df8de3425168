#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/printable.h"

int main(int argc, char** argv) {
  CLI::App app{"stowage: daemonless container images for ML model serving"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("stowage ") + STOWAGE_VERSION);
  stowage::cli::GlobalFlags flags;
  stowage::cli::add_version_command(app);
  stowage::cli::add_build_command(app, flags);
  stowage::cli::add_plan_command(app, flags);
  stowage::cli::add_frameworks_command(app, flags);
  stowage::cli::add_doctor_command(app, flags);
  stowage::cli::add_push_command(app, flags);
  stowage::cli::add_inspect_command(app, flags);
  stowage::cli::add_manifests_command(app);
  stowage::cli::add_cache_command(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const stowage::Error& e) {
    // Messages can quote a registry, an image or a file name: one printable line each.
    std::cerr << "stowage: error: " << stowage::printable(e.what(), stowage::kPrintableMessageMax)
              << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "stowage: error: " << stowage::printable(e.what(), stowage::kPrintableMessageMax)
              << '\n';
    return 1;
  }
  return 0;
}
