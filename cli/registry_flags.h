// Flags that say how registries are reached, shared by every command that talks to one.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "registry/client.h"

namespace stowage::cli {

struct RegistryFlags {
  std::vector<std::string> insecure_registries;
  std::string ca_file;
  // net::TransferLimits: base deadline in seconds, minimum average rate in bytes per second.
  int http_timeout = static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(net::TransferLimits{}.base).count());
  std::int64_t min_rate = net::TransferLimits{}.min_rate;
};

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags);
registry::ClientOptions client_options(const RegistryFlags& flags);

}  // namespace stowage::cli
