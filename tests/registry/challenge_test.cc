#include "registry/transport/challenge.h"

#include <catch2/catch.hpp>

using namespace stowage::registry::transport;

TEST_CASE("a Docker Hub style bearer challenge") {
  auto c = parse_challenges(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].scheme == "bearer");
  CHECK(c[0].param("realm") == "https://auth.docker.io/token");
  CHECK(c[0].param("service") == "registry.docker.io");
  CHECK(c[0].param("scope") == "repository:library/python:pull");
  CHECK(c[0].param("missing").empty());
}

TEST_CASE("quoted values keep commas, equals signs and escapes") {
  auto c = parse_challenges(
      R"(Bearer realm="https://a.example/token?x=1,y=2", scope="repository:a:pull,push repository:b:pull", error="insufficient_scope", note="say \"hi\"")");
  REQUIRE(c.size() == 1);
  CHECK(c[0].param("realm") == "https://a.example/token?x=1,y=2");
  CHECK(c[0].param("scope") == "repository:a:pull,push repository:b:pull");
  CHECK(c[0].param("error") == "insufficient_scope");
  CHECK(c[0].param("note") == R"(say "hi")");
}

TEST_CASE("several challenges, case-insensitive names, bare tokens") {
  auto c =
      parse_challenges(R"(BASIC Realm="Registry Realm" , Bearer REALM=https://t/x,service=reg)");
  REQUIRE(c.size() == 2);
  CHECK(c[0].scheme == "basic");
  CHECK(c[0].param("realm") == "Registry Realm");
  CHECK(c[1].scheme == "bearer");
  CHECK(c[1].param("realm") == "https://t/x");
  CHECK(c[1].param("service") == "reg");
}

TEST_CASE("garbage does not crash and yields what was parseable") {
  CHECK(parse_challenges("").empty());
  CHECK(parse_challenges("   ").empty());
  auto c = parse_challenges(R"(Bearer realm="unterminated)");
  REQUIRE(c.size() == 1);
  CHECK(c[0].param("realm") == "unterminated");
  CHECK(parse_challenges(R"("quoted-first")").empty());
}
