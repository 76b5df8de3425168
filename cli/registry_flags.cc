#include "cli/registry_flags.h"

namespace stowage::cli {

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags) {
  cmd->add_option("--insecure-registry", flags.insecure_registries,
                  "HOST[:PORT] that may be reached over plain HTTP (repeatable)");
  cmd->add_option("--ca-file", flags.ca_file, "Extra CA certificate (PEM) for registries' TLS")
      ->check(CLI::ExistingFile);
}

registry::ClientOptions client_options(const RegistryFlags& flags) {
  registry::ClientOptions options;
  options.insecure_registries = flags.insecure_registries;
  options.ca_file = flags.ca_file;
  return options;
}

}  // namespace stowage::cli
