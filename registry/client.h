// The entry point of the registry module: options, credentials and one transport per registry,
// shared by pulls and pushes (and their parallel blob transfers).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/retry.h"
#include "registry/credentials.h"
#include "registry/reference.h"
#include "registry/transport/registry_transport.h"

namespace stowage::registry {

struct ClientOptions {
  // Registries ("host" or "host:port", as in references) that may be reached over plain HTTP
  // (--insecure-registry). HTTPS is still tried first; TLS is never left unverified.
  std::vector<std::string> insecure_registries;
  // Extra CA certificates in PEM (--ca-file), trusted in addition to the system's.
  std::filesystem::path ca_file;
  net::RetryPolicy retry;
  // See HttpOptions: connection set-up budget, and how long a transfer may move no byte.
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds stall_timeout{std::chrono::seconds(120)};
  // Each request's deadline and minimum average rate (--http-timeout, --min-rate); a request
  // that breaks them is a transient failure, retried per `retry`.
  net::TransferLimits limits;
  // Where credentials come from; default Keychain::from_environment().
  std::optional<Keychain> keychain;
};

// "stowage/<version>", the User-Agent of every request.
std::string user_agent();

class Client {
 public:
  // Throws InputError for an unreadable ca_file.
  explicit Client(ClientOptions options = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The transport for the registry of `ref`, created on first use and reused after, so the
  // ping, the credentials lookup and the tokens happen once per registry. Thread-safe; the
  // transport lives as long as the Client.
  transport::RegistryTransport& transport(const Reference& ref);

  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
  Keychain keychain_;
  net::HttpClient http_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<transport::RegistryTransport>> transports_;
};

}  // namespace stowage::registry
