// Flags that say how registries are reached, shared by every command that talks to one.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "registry/client.h"

namespace stowage::cli {

struct RegistryFlags {
  std::vector<std::string> insecure_registries;
  std::string ca_file;
};

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags);
registry::ClientOptions client_options(const RegistryFlags& flags);

}  // namespace stowage::cli
