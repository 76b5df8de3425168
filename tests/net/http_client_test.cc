// The HTTP client against a real loopback server (tests/support/http_test_server.py): what
// reaches which host across redirects, decoding, retries, and what messages reveal.
#include "net/http_client.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "core/file.h"
#include "net/retrying_get.h"
#include "tests/support/http_test_server.h"

using namespace stowage::net;
using stowage::testing::free_port;
using stowage::testing::HttpTestServer;
using stowage::testing::LoggedRequest;
using stowage::testing::write_random;

namespace {

HttpClient client(Netrc netrc = {}) {
  HttpOptions options;
  options.user_agent = "stowage-test";
  options.netrc = std::move(netrc);
  return HttpClient(std::move(options));
}

Response get(HttpClient& http, const std::string& url, Headers headers = {}) {
  Request request;
  request.url = url;
  request.headers = std::move(headers);
  request.follow_redirects = true;
  return http.send(request);
}

// A policy that does not slow the tests down: waits of a few milliseconds.
RetryPolicy quick_retries(int attempts) {
  RetryPolicy policy;
  policy.max_attempts = attempts;
  policy.initial_backoff = std::chrono::milliseconds(5);
  policy.max_backoff = std::chrono::milliseconds(20);
  return policy;
}

std::size_t count_path_prefix(const std::vector<LoggedRequest>& log, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(
      log.begin(), log.end(), [&](const LoggedRequest& r) { return r.path.starts_with(prefix); }));
}

}  // namespace

TEST_CASE("netrc logins go only to their own host, also across redirects") {
  HttpTestServer server;
  write_random(server.root() / "model.bin", 300'000, 7);
  std::string expected = stowage::read_file(server.root() / "model.bin");
  std::string target = server.other_host_url() + "/files/model.bin";

  SECTION("the redirect target has no entry: it gets nothing") {
    auto http = client(Netrc::parse("machine 127.0.0.1 login alice password first-secret"));
    Response r = get(http, server.url() + "/redirect?to=" + target);
    REQUIRE(r.status == 200);
    CHECK(r.body == expected);
    CHECK(r.url == target);
    auto log = server.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0].basic == "alice:first-secret");
    CHECK(log[1].host.starts_with("localhost:"));
    CHECK(log[1].basic.empty());
    CHECK(!log[1].headers.contains("authorization"));
  }
  SECTION("the redirect target has its own entry: it gets that one") {
    auto http =
        client(Netrc::parse("machine 127.0.0.1 login alice password first-secret\n"
                            "machine localhost login bob password second-secret\n"));
    Response r = get(http, server.url() + "/redirect?status=307&to=" + target);
    REQUIRE(r.status == 200);
    auto log = server.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0].basic == "alice:first-secret");
    CHECK(log[1].basic == "bob:second-secret");
  }
  SECTION("credentials in the URL win over netrc and stay on their host") {
    auto http = client(Netrc::parse("default login anon password guest"));
    std::string with_login = "http://carol:url-secret@127.0.0.1:" + std::to_string(server.port()) +
                             "/redirect?to=" + target;
    Response r = get(http, with_login);
    REQUIRE(r.status == 200);
    auto log = server.requests();
    REQUIRE(log.size() == 2);
    CHECK(log[0].basic == "carol:url-secret");
    CHECK(log[1].basic == "anon:guest");
  }
  SECTION("without netrc nothing is sent") {
    auto http = client();
    REQUIRE(get(http, target).status == 200);
    CHECK(!server.requests().at(0).headers.contains("authorization"));
  }
}

TEST_CASE("an Authorization header survives same-origin redirects only") {
  HttpTestServer server;
  write_random(server.root() / "blob", 1000, 1);
  auto http = client();
  Headers token = {{"Authorization", "Bearer registry-token"}};

  Response same = get(http, server.url() + "/redirect?to=/files/blob", token);
  REQUIRE(same.status == 200);
  Response other =
      get(http, server.url() + "/redirect?to=" + server.other_host_url() + "/files/blob", token);
  REQUIRE(other.status == 200);
  CHECK(other.body == stowage::read_file(server.root() / "blob"));

  auto log = server.requests();
  REQUIRE(log.size() == 4);
  CHECK(log[1].headers["authorization"] == "Bearer registry-token");
  CHECK(log[2].headers["authorization"] == "Bearer registry-token");
  CHECK(!log[3].headers.contains("authorization"));
}

TEST_CASE("redirects: relative and scheme-relative locations, http(s) only, a hop limit") {
  HttpTestServer server;
  write_random(server.root() / "wheel.whl", 5000, 3);
  std::string expected = stowage::read_file(server.root() / "wheel.whl");
  auto http = client();

  std::string scheme_relative = "//localhost:" + std::to_string(server.port()) + "/files/wheel.whl";
  for (std::string location :
       {std::string("files/wheel.whl"), std::string("/files/wheel.whl"), scheme_relative}) {
    CAPTURE(location);
    Response r = get(http, server.url() + "/redirect?status=301&to=" + location);
    REQUIRE(r.status == 200);
    CHECK(r.body == expected);
  }
  std::size_t before = server.requests().size();

  try {
    get(http, server.url() + "/redirect?to=ftp://127.0.0.1/wheel.whl");
    FAIL("a redirect to ftp was followed");
  } catch (const NetworkError& e) {
    CHECK(!e.transient());
    CHECK_THAT(e.what(), Catch::Contains("only http and https"));
  }
  CHECK(server.requests().size() == before + 1);

  CHECK_THROWS_AS(get(http, server.url() + "/loop"), NetworkError);
  CHECK(count_path_prefix(server.requests(), "/loop") == 11);

  Request not_followed;
  not_followed.url = server.url() + "/redirect?to=/files/wheel.whl";
  Response r = http.send(not_followed);
  CHECK(r.status == 302);
  CHECK(r.header("Location") == "/files/wheel.whl");
}

TEST_CASE("decode_content asks for compression and hands over the decoded bytes") {
  HttpTestServer server;
  // Compressible, so that gzip on the wire differs from the file.
  std::string page(200'000, 'a');
  stowage::testing::write_text(server.root() / "index.html", page);
  auto http = client();

  Request plain;
  plain.url = server.url() + "/gzip/index.html";
  Response r1 = http.send(plain);
  Request decoded = plain;
  decoded.decode_content = true;
  Response r2 = http.send(decoded);

  CHECK(r1.body == page);
  CHECK(r2.body == page);
  CHECK(r2.header("Content-Encoding") == "gzip");
  auto log = server.requests();
  REQUIRE(log.size() == 2);
  CHECK(!log[0].headers.contains("accept-encoding"));
  CHECK_THAT(log[1].headers["accept-encoding"], Catch::Contains("gzip"));
}

TEST_CASE("get_with_retries retries dropped connections and retryable statuses") {
  HttpTestServer server;
  write_random(server.root() / "w.whl", 100'000, 9);
  std::string expected = stowage::read_file(server.root() / "w.whl");
  auto http = client();
  int restarts = 0;
  std::string received;
  Request request;
  request.sink = [&](std::span<const std::byte> data) {
    received.append(reinterpret_cast<const char*>(data.data()), data.size());
  };
  auto restart = [&] {
    ++restarts;
    received.clear();
  };

  SECTION("503 with Retry-After, twice") {
    request.url = server.url() + "/flaky/a?fail=2&status=503&retry_after=0&then=/files/w.whl";
    Response r = get_with_retries(http, request, quick_retries(5), restart);
    CHECK(r.status == 200);
    CHECK(received == expected);
    CHECK(restarts == 2);
    CHECK(count_path_prefix(server.requests(), "/flaky/a") == 3);
  }
  SECTION("connections closed without an answer, twice") {
    request.url = server.url() + "/flaky/b?fail=2&status=drop&then=/files/w.whl";
    Response r = get_with_retries(http, request, quick_retries(5), restart);
    CHECK(r.status == 200);
    CHECK(received == expected);
    CHECK(restarts == 2);
    CHECK(count_path_prefix(server.requests(), "/flaky/b") == 3);
  }
  SECTION("the policy's attempts run out: the last answer is returned") {
    request.url = server.url() + "/flaky/c?fail=10&status=502";
    Response r = get_with_retries(http, request, quick_retries(3), restart);
    CHECK(r.status == 502);
    CHECK(received.empty());
    CHECK(count_path_prefix(server.requests(), "/flaky/c") == 3);
  }
  SECTION("404 and 501 are answers, not failures") {
    for (const char* status : {"404", "501"}) {
      request.url = server.url() + "/flaky/d" + status + "?fail=1&status=" + status;
      CHECK(get_with_retries(http, request, quick_retries(5), restart).status == std::stol(status));
      CHECK(count_path_prefix(server.requests(), std::string("/flaky/d") + status) == 1);
    }
    CHECK(restarts == 0);
  }
  SECTION("a refused redirect is not retried") {
    request.url = server.url() + "/redirect?to=ftp://127.0.0.1/x";
    request.follow_redirects = true;
    CHECK_THROWS_AS(get_with_retries(http, request, quick_retries(5), restart), NetworkError);
    CHECK(server.requests().size() == 1);
  }
  SECTION("only GET and HEAD") {
    request.method = "PUT";
    request.url = server.url() + "/files/w.whl";
    CHECK_THROWS_AS(get_with_retries(http, request, quick_retries(5), restart), std::logic_error);
    CHECK(server.requests().empty());
  }
}

TEST_CASE("connection failures are transient and their messages hide credentials") {
  int closed_port = free_port();
  auto http = client();
  Request request;
  request.url = "http://user:hunter2@127.0.0.1:" + std::to_string(closed_port) + "/simple/?k=v";
  try {
    http.send(request);
    FAIL("a closed port answered");
  } catch (const NetworkError& e) {
    CHECK(e.transient());
    std::string what = e.what();
    CHECK(what.find("hunter2") == std::string::npos);
    CHECK(what.find("?k=v") == std::string::npos);
    CHECK_THAT(what, Catch::Contains("http://***@127.0.0.1:"));
    CHECK(!e.cause().empty());
    CHECK(what.find(e.cause()) != std::string::npos);
  }
}

TEST_CASE("one client serves many threads") {
  HttpTestServer server;
  write_random(server.root() / "part", 64 * 1024, 5);
  std::string expected = stowage::read_file(server.root() / "part");
  auto http = client();
  std::atomic<int> good{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 5; ++i) {
          if (get(http, server.url() + "/files/part").body == expected)
            ++good;
        }
      });
    }
  }
  CHECK(good == 20);
  CHECK(server.requests().size() == 20);
}

namespace {

HttpClient client_with(TransferLimits limits) {
  HttpOptions options;
  options.user_agent = "stowage-test";
  options.limits = limits;
  return HttpClient(std::move(options));
}

// Sends `request`, expecting the transfer limits to fail it within `within`; returns the error.
NetworkError limit_failure(HttpClient& http, const Request& request, std::chrono::seconds within) {
  auto start = std::chrono::steady_clock::now();
  try {
    http.send(request);
  } catch (const NetworkError& e) {
    CHECK(std::chrono::steady_clock::now() - start < within);
    return e;
  }
  FAIL("the request succeeded");
  return NetworkError("unreachable");
}

}  // namespace

TEST_CASE("a server dripping bytes cannot hold a request beyond its deadline or minimum rate") {
  HttpTestServer server;
  Request request;

  SECTION("the deadline: a base plus the body's size at the minimum rate") {
    // 1 s + 2000 bytes at 1000 bytes/s = 3 s; the drip would take 1000 s.
    auto http = client_with({std::chrono::seconds(1), 1000, std::chrono::seconds(60)});
    request.url = server.url() + "/drip?size=2000";
    NetworkError e = limit_failure(http, request, std::chrono::seconds(8));
    CHECK(e.transient());
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1") && Catch::Contains("deadline of 3000 ms"));
  }
  SECTION("the deadline also bounds a status line and headers that never end") {
    auto http = client_with({std::chrono::seconds(2), 1000, std::chrono::seconds(1)});
    request.url = server.url() + "/drip?head=1";
    NetworkError e = limit_failure(http, request, std::chrono::seconds(8));
    CHECK(e.transient());
    CHECK_THAT(e.cause(), Catch::StartsWith("127.0.0.1 ") && Catch::Contains("deadline"));
  }
  SECTION("the minimum average rate fails a large body long before its deadline") {
    // 100 MB at 1000 bytes/s would have a deadline of 28 hours.
    auto http = client_with({std::chrono::seconds(1), 1000, std::chrono::seconds(2)});
    request.url = server.url() + "/drip?size=100000000";
    NetworkError e = limit_failure(http, request, std::chrono::seconds(8));
    CHECK(e.transient());
    CHECK_THAT(e.cause(), Catch::StartsWith("127.0.0.1 ") &&
                              Catch::Contains("below the minimum average rate of 1000 bytes/s"));
  }
}

TEST_CASE("transfer limits leave honest requests alone") {
  HttpTestServer server;
  auto http = client_with({std::chrono::seconds(5), 1000, std::chrono::seconds(1)});

  SECTION("a fast download of a body far larger than the rate allows per second") {
    write_random(server.root() / "big.bin", 3'000'000, 3);
    Request request;
    request.url = server.url() + "/files/big.bin";
    CHECK(http.send(request).body.size() == 3'000'000);
  }
  SECTION("a server working in silence after the request body, within the deadline") {
    // The window (1 s) does not judge the wait between the last byte sent and the answer: that
    // is the stall timeout's (and the deadline's) to bound.
    std::string body(1000, 'b');
    Request request;
    request.method = "POST";
    request.url = server.url() + "/sleep?seconds=2.5";
    request.body_size = static_cast<std::int64_t>(body.size());
    request.body = [&body] { return std::make_unique<StringReader>(body); };
    CHECK(http.send(request).status == 201);
  }
}
