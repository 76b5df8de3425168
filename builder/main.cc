#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "builder/version.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"stowage: daemonless container images for ML model serving"};
  app.require_subcommand(1);
  auto* version_cmd = app.add_subcommand("version", "Print the version and linked libraries");
  version_cmd->callback([] {
    fmt::print("stowage {}\n{}", stowage::builder::version(), stowage::builder::library_versions());
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const stowage::Error& e) {
    std::cerr << "stowage: error: " << e.what() << '\n';
    return e.exit_code();
  }
  return 0;
}
