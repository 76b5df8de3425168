#include "tests/support/registry_server.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "core/file.h"

namespace stowage::testing {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path support_script(const char* name) {
  return source_dir() / "tests" / "support" / name;
}

void wait_or_fail(int port, const std::filesystem::path& log, const char* what) {
  if (!wait_for_port(port))
    FAIL(what << " did not start; its log:\n" << slurp(log));
}

}  // namespace

TestCertificates make_test_certificates(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  TestCertificates c{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  auto ca_key = dir / "ca.key";
  auto csr = dir / "server.csr";
  auto ext = dir / "server.ext";
  write_text(ext,
             "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
             "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
  run_ok({"openssl",
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          ca_key,
          "-out",
          c.ca_pem,
          "-days",
          "2",
          "-subj",
          "/CN=stowage test CA",
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign"});
  run_ok({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", c.server_key, "-out", csr, "-subj", "/CN=127.0.0.1"});
  run_ok({"openssl", "x509", "-req", "-in", csr, "-CA", c.ca_pem, "-CAkey", ca_key,
          "-CAcreateserial", "-out", c.server_pem, "-days", "2", "-extfile", ext});
  return c;
}

RegistryServer::RegistryServer(RegistryServerOptions options)
    : options_(std::move(options)), storage_(dir_ / "storage") {
  std::filesystem::create_directories(storage_);
  port_ = free_port();
  if (options_.tls)
    certs_ = make_test_certificates(dir_ / "tls");

  std::string config =
      "version: 0.1\n"
      "log:\n  level: info\n  formatter: text\n"
      "storage:\n  filesystem:\n    rootdirectory: " +
      storage_.string() +
      "\n  delete:\n    enabled: true\n"
      "http:\n  addr: 127.0.0.1:" +
      std::to_string(port_) + "\n  secret: stowage-test-secret\n";
  if (options_.tls) {
    config += "  tls:\n    certificate: " + certs_.server_pem.string() +
              "\n    key: " + certs_.server_key.string() + "\n";
  }
  if (options_.token_auth) {
    auto key = dir_ / "token.key";
    auto cert = dir_ / "token.pem";
    run_ok({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
            cert, "-days", "2", "-subj", "/CN=stowage test token signer"});
    token_port_ = free_port();
    token_server_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"python3",    support_script("token_server.py"),
                                 "--port",     std::to_string(token_port_),
                                 "--key",      key,
                                 "--cert",     cert,
                                 "--issuer",   "stowage-test-issuer",
                                 "--service",  "stowage-test",
                                 "--user",     options_.user,
                                 "--password", options_.password,
                                 "--lifetime", std::to_string(options_.token_lifetime_seconds),
                                 "--log",      dir_ / "token.log"},
        dir_ / "token-server.out");
    wait_or_fail(token_port_, dir_ / "token-server.out", "the token server");
    config += "auth:\n  token:\n    realm: http://127.0.0.1:" + std::to_string(token_port_) +
              "/token\n    service: stowage-test\n    issuer: stowage-test-issuer\n"
              "    rootcertbundle: " +
              cert.string() + "\n";
  } else if (!options_.user.empty()) {
    auto htpasswd = dir_ / "htpasswd";
    run_ok({"htpasswd", "-B", "-b", "-c", htpasswd, options_.user, options_.password});
    config += "auth:\n  htpasswd:\n    realm: stowage-test\n    path: " + htpasswd.string() + "\n";
  }
  write_text(dir_ / "config.yml", config);
  registry_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"docker-registry", "serve", dir_ / "config.yml"},
      dir_ / "registry.log");
  wait_or_fail(port_, dir_ / "registry.log", "docker-registry");
}

RegistryServer::~RegistryServer() = default;

std::string RegistryServer::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string RegistryServer::log() const {
  return slurp(dir_ / "registry.log");
}

std::string RegistryServer::token_log() const {
  return slurp(dir_ / "token.log");
}

int RegistryServer::count_log_lines(const std::vector<std::string>& needles) const {
  std::istringstream in(log());
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto& n : needles)
      all = all && line.find(n) != std::string::npos;
    count += all ? 1 : 0;
  }
  return count;
}

FaultProxy::FaultProxy(int upstream_port, const std::vector<ProxyFault>& faults) {
  std::string json = "[";
  for (const auto& f : faults) {
    if (json.size() > 1)
      json += ",";
    json += "{\"method\":\"" + f.method + "\",\"path\":\"" + f.path +
            "\",\"nth\":" + std::to_string(f.nth) + ",\"action\":\"" + f.action +
            "\",\"status\":" + std::to_string(f.status) +
            ",\"retry_after\":" + std::to_string(f.retry_after) +
            ",\"seconds\":" + std::to_string(f.seconds) + ",\"range\":\"" + f.range + "\"}";
  }
  json += "]";
  write_text(dir_ / "faults.json", json);
  write_text(dir_ / "proxy.log", "");
  port_ = free_port();
  process_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{"python3", support_script("fault_proxy.py"), "--port",
                               std::to_string(port_), "--upstream", std::to_string(upstream_port),
                               "--faults", dir_ / "faults.json", "--log", dir_ / "proxy.log"},
      dir_ / "proxy.out");
  wait_or_fail(port_, dir_ / "proxy.out", "the fault proxy");
}

FaultProxy::~FaultProxy() = default;

std::string FaultProxy::host() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string FaultProxy::log() const {
  return slurp(dir_ / "proxy.log");
}

}  // namespace stowage::testing
