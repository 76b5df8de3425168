// A real registry (Debian's docker-registry, CNCF distribution 2.8) on 127.0.0.1 for tests,
// with the helpers around it: TLS with a throw-away CA, htpasswd Basic auth, a token server
// for Bearer auth, and a misbehaving proxy to put in front of it.
//
// Everything lives in a temp dir owned by the fixture and is removed with it; processes are
// stopped when the fixture is destroyed. Ports are free loopback ports.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace stowage::testing {

// A CA and a server certificate for 127.0.0.1 made with the openssl CLI.
struct TestCertificates {
  std::filesystem::path ca_pem;      // trust this (--ca-file)
  std::filesystem::path server_pem;  // certificate for IP 127.0.0.1, signed by the CA
  std::filesystem::path server_key;
};
TestCertificates make_test_certificates(const std::filesystem::path& dir);

struct RegistryServerOptions {
  // HTTPS with a certificate from make_test_certificates(); clients trust ca_file().
  bool tls = false;
  // Non-empty: htpasswd Basic auth (bcrypt, via `htpasswd -B`) with this one user.
  std::string user;
  std::string password;
  // Bearer auth through a TokenServer the fixture runs (user/password above are the accepted
  // credentials; anonymous clients get pull access only).
  bool token_auth = false;
  // Token lifetime the token server announces (and puts in the JWT), in seconds.
  int token_lifetime_seconds = 300;
};

class RegistryServer {
 public:
  // Starts the registry (and token server) and waits until it answers; fails the current
  // Catch2 test when it does not.
  explicit RegistryServer(RegistryServerOptions options = {});
  ~RegistryServer();
  RegistryServer(const RegistryServer&) = delete;
  RegistryServer& operator=(const RegistryServer&) = delete;

  // "127.0.0.1:PORT", the registry part of references.
  std::string host() const;
  int port() const { return port_; }
  // The CA that signed the registry's certificate (tls only).
  const std::filesystem::path& ca_file() const { return certs_.ca_pem; }
  // The registry's log: one "response completed" line per request, with method, URI and status.
  std::string log() const;
  // The token server's log: one line per token request ("GET|POST scope=… user=… -> status").
  std::string token_log() const;
  // Count of log lines containing every one of `needles`.
  int count_log_lines(const std::vector<std::string>& needles) const;
  const std::filesystem::path& storage_dir() const { return storage_; }

 private:
  RegistryServerOptions options_;
  TempDir dir_;
  TestCertificates certs_;
  std::filesystem::path storage_;
  int port_ = 0;
  int token_port_ = 0;
  std::unique_ptr<BackgroundProcess> token_server_;
  std::unique_ptr<BackgroundProcess> registry_;
};

// One fault the proxy injects: the `nth` (1-based) request whose method is `method` (or any
// when empty) and whose path contains `path` gets `action`:
//   "status"  answer `status` (with Retry-After: retry_after when >= 0) without forwarding;
//   "drop"    read half the request body, then close the connection without answering;
//   "stall"   read the request, then send nothing for `seconds`, then close.
struct ProxyFault {
  std::string method;
  std::string path;
  int nth = 1;
  std::string action;
  int status = 503;
  int retry_after = -1;
  int seconds = 0;
  std::string range = {};  // "range": forward, then answer with this Range header instead
};

// A plain-HTTP proxy on loopback that forwards to `upstream_port` (keeping the Host header, so
// the registry's Location URLs point back at the proxy) and misbehaves as told.
class FaultProxy {
 public:
  FaultProxy(int upstream_port, const std::vector<ProxyFault>& faults);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string host() const;
  // One line per request: "METHOD PATH -> STATUS" or "METHOD PATH -> drop|stall".
  std::string log() const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace stowage::testing
