// Index fetches over the shared HTTP client: bytes, retries' restarts, netrc from $NETRC, and
// the messages a user sees.
#include "python/index_fetch.h"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/error.h"
#include "core/file.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace stowage;
using namespace stowage::python;
using testing::HttpTestServer;

namespace {

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string download_text(net::HttpClient& http, const std::string& url, int* restarts) {
  std::string got;
  download(
      http, url,
      [&](std::span<const std::byte> d) {
        got.append(reinterpret_cast<const char*>(d.data()), d.size());
      },
      [&] {
        ++*restarts;
        got.clear();
      });
  return got;
}

}  // namespace

TEST_CASE("download streams a file from python3 -m http.server") {
  testing::TempDir dir;
  testing::write_random(dir / "pkg-1.0-py3-none-any.whl", 700'000, 11);
  int port = testing::free_port();
  testing::RunOptions run;
  run.cwd = dir.path();
  testing::BackgroundProcess server(
      {"python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)},
      dir / "server.log", run);
  REQUIRE(testing::wait_for_port(port));
  ScopedEnv netrc("NETRC", (dir / "no-netrc").string());
  net::HttpClient http(index_http_options({}));
  std::string base = "http://127.0.0.1:" + std::to_string(port) + "/";

  int restarts = 0;
  CHECK(download_text(http, base + "pkg-1.0-py3-none-any.whl", &restarts) ==
        read_file(dir / "pkg-1.0-py3-none-any.whl"));
  CHECK(restarts == 0);

  try {
    download_text(http, "http://u:hunter2@127.0.0.1:" + std::to_string(port) + "/gone.whl",
                  &restarts);
    FAIL("a missing file downloaded");
  } catch (const Error& e) {
    CHECK(e.reason() ==
          "cannot download http://***@127.0.0.1:" + std::to_string(port) + "/gone.whl: HTTP 404");
    CHECK(e.hint() == "check that the index still serves this file");
  }
}

TEST_CASE("index fetches: netrc from $NETRC, retries, and the hints users get") {
  HttpTestServer server;
  testing::TempDir dir;
  testing::write_text(dir / "netrc", "machine 127.0.0.1 login ci password index-token\n");
  ScopedEnv netrc("NETRC", (dir / "netrc").string());
  net::HttpClient http(index_http_options({}));
  testing::write_text(server.root() / "page.html", "<a href='x.whl'>x</a>");

  net::Response page = fetch_page(http, server.url() + "/files/page.html?type=text/html");
  CHECK(page.status == 200);
  CHECK(page.body == read_file(server.root() / "page.html"));
  CHECK(page.header("Content-Type") == "text/html");
  CHECK(server.requests().at(0).basic == "ci:index-token");

  int restarts = 0;
  CHECK(download_text(http, server.url() + "/flaky/w?fail=1&status=503&then=/files/page.html",
                      &restarts) == read_file(server.root() / "page.html"));
  CHECK(restarts == 1);

  try {
    download_text(http, server.url() + "/status/401", &restarts);
    FAIL("401 was accepted");
  } catch (const Error& e) {
    CHECK(e.hint() == "the index wants credentials: put them in ~/.netrc (or $NETRC)");
  }

  std::string closed =
      "http://user:pw@127.0.0.1:" + std::to_string(testing::free_port()) + "/simple/";
  try {
    fetch_page(http, closed);
    FAIL("a closed port answered");
  } catch (const Error& e) {
    CHECK_THAT(e.reason(), Catch::StartsWith("cannot fetch http://***@127.0.0.1:"));
    CHECK(std::string(e.what()).find(":pw@") == std::string::npos);
    CHECK(e.hint() == "check the index URL and the network");
  }
}
