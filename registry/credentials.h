// Registry credentials from the places docker, podman, skopeo and crane keep them.
//
// Files searched, first match wins:
//   1. $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json (podman, skopeo)
//   2. $DOCKER_CONFIG/config.json, else ~/.docker/config.json (docker, crane)
// Within a file, as docker does: "credHelpers"[registry] names a helper for that registry;
// otherwise "credsStore" names a helper for all; otherwise (or when the store has nothing for
// the registry) "auths"[registry] holds "auth" (base64 "user:password") or
// "username"/"password", and optionally "identitytoken" (an OAuth2 refresh token).
// Helpers are programs "docker-credential-<name>" run as "<program> get" with the registry on
// stdin, answering {"ServerURL","Username","Secret"} on stdout; Username "<token>" means
// Secret is an identity token.
//
// Docker Hub is keyed "https://index.docker.io/v1/" by docker; stowage maps "docker.io" to it
// (and accepts "docker.io", "index.docker.io" and "registry-1.docker.io" keys too).
//
// Secrets never appear in an error message or a log line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace stowage::registry {

struct Credentials {
  std::string username;
  std::string password;
  // An OAuth2 refresh token ("identitytoken"); when set, bearer tokens are fetched with it.
  std::string identity_token;

  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

class Keychain {
 public:
  // The files named by the environment, in search order (missing files are skipped).
  static Keychain from_environment();
  // Searches exactly `files`, in order (for tests and for an explicit --authfile).
  explicit Keychain(std::vector<std::filesystem::path> files);

  // Credentials for `registry` ("docker.io", "ghcr.io", "127.0.0.1:5000"), or nullopt for
  // anonymous access. Throws InputError for a malformed file (naming it) and Error when a
  // configured credential helper is missing or fails (naming the helper, never a secret).
  std::optional<Credentials> lookup(const std::string& registry) const;

  const std::vector<std::filesystem::path>& files() const { return files_; }

 private:
  std::vector<std::filesystem::path> files_;
};

}  // namespace stowage::registry
