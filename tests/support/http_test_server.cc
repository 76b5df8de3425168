#include "tests/support/http_test_server.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

namespace stowage::testing {

HttpTestServer::HttpTestServer() : root_(dir_ / "root") {
  std::filesystem::create_directories(root_);
  port_ = free_port();
  process_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{
          "python3", (source_dir() / "tests" / "support" / "http_test_server.py").string(),
          "--port", std::to_string(port_), "--root", root_.string(), "--log",
          (dir_ / "requests.jsonl").string()},
      dir_ / "server.log");
  REQUIRE(wait_for_port(port_));
}

std::string HttpTestServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string HttpTestServer::other_host_url() const {
  return "http://localhost:" + std::to_string(port_);
}

std::vector<LoggedRequest> HttpTestServer::requests() const {
  std::vector<LoggedRequest> out;
  std::ifstream in(dir_ / "requests.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    LoggedRequest r{j["method"], j["path"], j["host"], {}, j["basic"]};
    for (const auto& [k, v] : j["headers"].items())
      r.headers[k] = v.get<std::string>();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace stowage::testing
