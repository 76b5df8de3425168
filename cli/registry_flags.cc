#include "cli/registry_flags.h"

namespace stowage::cli {

void add_registry_flags(CLI::App* cmd, RegistryFlags& flags) {
  cmd->add_option("--insecure-registry", flags.insecure_registries,
                  "HOST[:PORT] that may be reached over plain HTTP (repeatable)");
  cmd->add_option("--ca-file", flags.ca_file, "Extra CA certificate (PEM) for registries' TLS")
      ->check(CLI::ExistingFile);
  cmd->add_option("--http-timeout", flags.http_timeout,
                  "Seconds every registry request may take, plus its body's size at --min-rate")
      ->check(CLI::Range(1, 24 * 60 * 60))
      ->capture_default_str();
  cmd->add_option("--min-rate", flags.min_rate,
                  "Bytes per second a registry transfer must average over a minute")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
}

registry::ClientOptions client_options(const RegistryFlags& flags) {
  registry::ClientOptions options;
  options.insecure_registries = flags.insecure_registries;
  options.ca_file = flags.ca_file;
  options.limits.base = std::chrono::seconds(flags.http_timeout);
  options.limits.min_rate = flags.min_rate;
  return options;
}

}  // namespace stowage::cli
