// A loopback HTTP server for the HTTP client's tests (tests/support/http_test_server.py): it
// serves files from a directory, redirects, fails on request, and logs every request it gets
// with its headers, so tests check what was actually sent where.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace stowage::testing {

// One request as the server saw it; header names in lower case.
struct LoggedRequest {
  std::string method;
  std::string path;
  std::string host;
  std::map<std::string, std::string> headers;
  std::string basic;  // "user:password" of a Basic Authorization header, else ""
};

class HttpTestServer {
 public:
  // Starts the server on a free port; fails the test when it does not come up.
  HttpTestServer();

  // "http://127.0.0.1:PORT" and, for a second host name on the same server,
  // "http://localhost:PORT".
  std::string url() const;
  std::string other_host_url() const;
  int port() const { return port_; }
  // The directory served under /files/ and /gzip/.
  const std::filesystem::path& root() const { return root_; }
  // Every request received so far, oldest first.
  std::vector<LoggedRequest> requests() const;

 private:
  TempDir dir_;
  std::filesystem::path root_;
  int port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace stowage::testing
