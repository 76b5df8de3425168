#include "registry/client.h"

#include <algorithm>

namespace stowage::registry {

std::string user_agent() {
  return std::string("stowage/") + STOWAGE_VERSION;
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      keychain_(options_.keychain ? *options_.keychain : Keychain::from_environment()),
      // No netrc: registry logins come from the keychain alone.
      http_(net::HttpOptions{user_agent(), options_.ca_file, options_.connect_timeout,
                             options_.stall_timeout, options_.limits, net::Netrc{}}) {}

transport::RegistryTransport& Client::transport(const Reference& ref) {
  std::lock_guard lock(mutex_);
  auto& slot = transports_[ref.registry()];
  if (!slot) {
    const auto& insecure = options_.insecure_registries;
    bool is_insecure =
        std::find(insecure.begin(), insecure.end(), ref.registry()) != insecure.end() ||
        std::find(insecure.begin(), insecure.end(), ref.api_host()) != insecure.end();
    slot = std::make_unique<transport::RegistryTransport>(
        ref.registry(), ref.api_host(), is_insecure, http_, keychain_, options_.retry);
  }
  return *slot;
}

}  // namespace stowage::registry
