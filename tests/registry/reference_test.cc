#include "registry/reference.h"

#include <catch2/catch.hpp>

#include "core/error.h"

using stowage::InputError;
using stowage::registry::Reference;

TEST_CASE("references normalise like docker's") {
  struct Row {
    const char* text;
    const char* registry;
    const char* repository;
    const char* tag;
    const char* str;
  };
  const std::string d = "sha256:" + std::string(64, 'a');
  Row rows[] = {
      {"python", "docker.io", "library/python", "latest", "docker.io/library/python:latest"},
      {"python:3.11-slim", "docker.io", "library/python", "3.11-slim",
       "docker.io/library/python:3.11-slim"},
      {"docker.io/python", "docker.io", "library/python", "latest",
       "docker.io/library/python:latest"},
      {"index.docker.io/library/python:3", "docker.io", "library/python", "3",
       "docker.io/library/python:3"},
      {"bitnami/redis:7", "docker.io", "bitnami/redis", "7", "docker.io/bitnami/redis:7"},
      {"ghcr.io/org/team/app:v1.2", "ghcr.io", "org/team/app", "v1.2", "ghcr.io/org/team/app:v1.2"},
      {"localhost/app", "localhost", "app", "latest", "localhost/app:latest"},
      {"localhost:5000/app", "localhost:5000", "app", "latest", "localhost:5000/app:latest"},
      {"127.0.0.1:5000/a/b_c.d-e__f:T_1", "127.0.0.1:5000", "a/b_c.d-e__f", "T_1",
       "127.0.0.1:5000/a/b_c.d-e__f:T_1"},
      {"[::1]:5000/app:1", "[::1]:5000", "app", "1", "[::1]:5000/app:1"},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    Reference r = Reference::parse(row.text);
    CHECK(r.registry() == row.registry);
    CHECK(r.context() == row.registry);
    CHECK(r.repository() == row.repository);
    CHECK(r.tag() == row.tag);
    CHECK(!r.digest());
    CHECK(r.str() == row.str);
    CHECK(Reference::parse(r.str()) == r);
  }
}

TEST_CASE("references with digests") {
  const std::string d = "sha256:" + std::string(64, 'b');
  Reference by_digest = Reference::parse("ghcr.io/org/app@" + d);
  CHECK(by_digest.tag().empty());
  CHECK(by_digest.digest()->str() == d);
  CHECK(by_digest.identifier() == d);
  CHECK(by_digest.str() == "ghcr.io/org/app@" + d);

  Reference both = Reference::parse("ghcr.io/org/app:v1@" + d);
  CHECK(both.tag() == "v1");
  CHECK(both.identifier() == d);

  Reference pinned =
      Reference::parse("127.0.0.1:5000/app:v2").with_digest(stowage::layers::Digest::parse(d));
  CHECK(pinned.str() == "127.0.0.1:5000/app:v2@" + d);
  CHECK(pinned.with_tag("v3").str() == "127.0.0.1:5000/app:v3");
  CHECK(Reference::parse("python").api_host() == "registry-1.docker.io");
  CHECK(Reference::parse("ghcr.io/x").api_host() == "ghcr.io");
  CHECK(Reference::parse("python").in_repository("library/base").str() ==
        "docker.io/library/base:latest");
}

TEST_CASE("invalid references are refused with a reason") {
  struct Row {
    std::string text;
    const char* says;
  };
  Row rows[] = {
      {"", "empty"},
      {"ghcr.io/Org/App:v1", "must be lowercase"},
      {"python:", "tag"},
      {"python:-bad", "tag"},
      {"python:" + std::string(129, 'a'), "tag"},
      {"python@sha256:abc", "malformed"},
      {"python@md5:" + std::string(32, 'a'), "not a sha256"},
      {"ghcr.io//app", "empty path component"},
      {"ghcr.io/app/", "empty path component"},
      {"ghcr.io/a..b", "not a valid repository path component"},
      {"bad_host.io:x/app", "not a valid registry host"},
      {"has space", "whitespace"},
      {"docker.io/" + std::string(260, 'a'), "longer than 255"},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    try {
      Reference::parse(row.text);
      FAIL("accepted");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(row.says));
      CHECK(e.exit_code() == 2);
    }
  }
}
