#include "core/error.h"

#include <catch2/catch.hpp>

using stowage::Error;
using stowage::InputError;
using stowage::SourceLocation;

TEST_CASE("an error with a location reads file:line:col: what (hint)") {
  InputError e("unknown key \"modle\"", "did you mean \"model\"?",
               SourceLocation{"stowage.yaml", 4, 3});
  CHECK(std::string(e.what()) ==
        "stowage.yaml:4:3: unknown key \"modle\" (did you mean \"model\"?)");
  CHECK(e.exit_code() == 2);
  CHECK(e.reason() == "unknown key \"modle\"");
}

TEST_CASE("an error without location or hint is just the reason") {
  Error e("registry refused the upload");
  CHECK(std::string(e.what()) == "registry refused the upload");
  CHECK(e.exit_code() == 1);
}

TEST_CASE("a location without a column omits it") {
  Error e("bad", "", SourceLocation{"requirements.lock", 12, 0});
  CHECK(std::string(e.what()) == "requirements.lock:12: bad");
}
