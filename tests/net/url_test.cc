#include "net/url.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using namespace stowage::net;

TEST_CASE("resolve_url: every kind of reference an index link or a Location header uses") {
  const std::string base = "https://files.example:8443/simple/torch/index.html?x=1";
  CHECK(resolve_url(base, "https://cdn.example/a.whl") == "https://cdn.example/a.whl");
  CHECK(resolve_url(base, "//cdn.example/a.whl") == "https://cdn.example/a.whl");
  CHECK(resolve_url(base, "/packages/a.whl") == "https://files.example:8443/packages/a.whl");
  CHECK(resolve_url(base, "a.whl") == "https://files.example:8443/simple/torch/a.whl");
  CHECK(resolve_url(base, "../a.whl") == "https://files.example:8443/simple/a.whl");
  CHECK(resolve_url(base, "?page=2") ==
        "https://files.example:8443/simple/torch/index.html?page=2");
  // A registry's upload Location: relative, with the session in its query.
  CHECK(resolve_url("http://127.0.0.1:5000/v2/r/blobs/uploads/",
                    "/v2/r/blobs/uploads/abc?_state=xyz") ==
        "http://127.0.0.1:5000/v2/r/blobs/uploads/abc?_state=xyz");
  // Credentials in the page's URL stay with links to the same server.
  CHECK(resolve_url("https://u:p@idx.example/simple/", "a.whl") ==
        "https://u:p@idx.example/simple/a.whl");
}

TEST_CASE("resolve_url refuses what it cannot parse, without printing credentials") {
  try {
    resolve_url("https://u:hunter2@idx.example/simple/", "http://[not a host/x");
    FAIL("no exception");
  } catch (const stowage::Error& e) {
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    CHECK(std::string(e.what()).find("***@idx.example") != std::string::npos);
  }
  CHECK_THROWS_AS(resolve_url("not a url", "a.whl"), stowage::Error);
}

TEST_CASE("redact_url and url_for_message hide userinfo") {
  CHECK(redact_url("https://u:p@h.example/x@y") == "https://***@h.example/x@y");
  CHECK(redact_url("https://token@h.example/") == "https://***@h.example/");
  CHECK(redact_url("https://h.example/a@b") == "https://h.example/a@b");
  CHECK(redact_url("/relative/path") == "/relative/path");
  CHECK(url_for_message("https://u:p@h.example/v2/x?sig=abc") == "https://***@h.example/v2/x");
}

TEST_CASE("hosts and origins") {
  CHECK(url_host("https://U:P@Files.Example:8443/x") == "files.example");
  CHECK(url_host("not a url").empty());
  CHECK(url_has_credentials("https://u:p@h/"));
  CHECK(url_has_credentials("https://u@h/"));
  CHECK(!url_has_credentials("https://h/a@b"));
  CHECK(same_origin("https://h.example/a", "https://h.example:443/b"));
  CHECK(same_origin("http://H.example/a", "http://h.example:80/b"));
  CHECK(!same_origin("https://h.example/a", "http://h.example/a"));
  CHECK(!same_origin("https://h.example/a", "https://h.example:8443/a"));
  CHECK(!same_origin("https://h.example/a", "https://cdn.example/a"));
}
