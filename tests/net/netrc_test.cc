#include "net/netrc.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "core/error.h"
#include "tests/support/temp_dir.h"

using namespace stowage::net;
using stowage::testing::TempDir;
using stowage::testing::write_text;

TEST_CASE("netrc: machines, default, quoting, comments and macros") {
  auto netrc = Netrc::parse(
      "# logins for the indexes\n"
      "machine idx.example login alice password s3cret\n"
      "macdef init\n"
      "machine not.a.machine login mallory password nope\n"
      "\n"
      "machine Quoted.Example\n"
      "  login \"bob smith\"\n"
      "  account ignored\n"
      "  password \"pa ss\\\"word\"\n"
      "machine idx.example login second password never-used\n"
      "default login anon password guest\n");
  auto alice = netrc.lookup("IDX.example");
  REQUIRE(alice);
  CHECK(alice->login == "alice");
  CHECK(alice->password == "s3cret");
  auto bob = netrc.lookup("quoted.example");
  REQUIRE(bob);
  CHECK(bob->login == "bob smith");
  CHECK(bob->password == "pa ss\"word");
  auto other = netrc.lookup("not.a.machine");
  REQUIRE(other);
  CHECK(other->login == "anon");
  CHECK(!Netrc::parse("machine a login x password y").lookup("b"));
  CHECK(Netrc().empty());
  CHECK(Netrc::parse("").empty());
}

TEST_CASE("netrc files: missing is empty, unreadable is an error, $NETRC first") {
  TempDir dir;
  CHECK(Netrc::load(dir / "absent").empty());
  write_text(dir / "netrc", "machine h login u password p\n");
  CHECK(Netrc::load(dir / "netrc").lookup("h")->password == "p");
  if (geteuid() != 0) {  // root reads whatever the mode says
    chmod((dir / "netrc").c_str(), 0);
    CHECK_THROWS_AS(Netrc::load(dir / "netrc"), stowage::Error);
  }

  const char* old_netrc = std::getenv("NETRC");
  std::string saved = old_netrc ? old_netrc : "";
  setenv("NETRC", (dir / "netrc").c_str(), 1);
  CHECK(Netrc::default_path() == dir / "netrc");
  setenv("NETRC", "", 1);
  if (const char* home = std::getenv("HOME"))
    CHECK(Netrc::default_path() == std::filesystem::path(home) / ".netrc");
  if (old_netrc)
    setenv("NETRC", saved.c_str(), 1);
  else
    unsetenv("NETRC");
}
