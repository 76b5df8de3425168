#include "builder/ignore_rules.h"

#include <catch2/catch.hpp>

using stowage::builder::IgnoreRules;

TEST_CASE("unanchored patterns match a name at any depth") {
  IgnoreRules rules("*.pyc\n__pycache__/\n");
  CHECK(rules.excluded("a.pyc", false));
  CHECK(rules.excluded("pkg/sub/b.pyc", false));
  CHECK(rules.excluded("pkg/__pycache__", true));
  CHECK_FALSE(rules.excluded("pkg/__pycache__", false));  // directory-only rule
  CHECK_FALSE(rules.excluded("pkg/main.py", false));
}

TEST_CASE("anchored patterns match from the root only") {
  IgnoreRules rules("/build\ndocs/*.md\n");
  CHECK(rules.excluded("build", true));
  CHECK_FALSE(rules.excluded("src/build", true));
  CHECK(rules.excluded("docs/a.md", false));
  CHECK_FALSE(rules.excluded("docs/sub/a.md", false));
}

TEST_CASE("** spans directories") {
  IgnoreRules rules("checkpoints/**/*.tmp\n**/logs\n");
  CHECK(rules.excluded("checkpoints/a.tmp", false));
  CHECK(rules.excluded("checkpoints/x/y/a.tmp", false));
  CHECK_FALSE(rules.excluded("other/a.tmp", false));
  CHECK(rules.excluded("logs", true));
  CHECK(rules.excluded("a/b/logs", true));
}

TEST_CASE("the last matching rule wins and ! re-includes") {
  IgnoreRules rules("# comment\n\n*.bin\n!keep.bin\n");
  CHECK(rules.excluded("w.bin", false));
  CHECK_FALSE(rules.excluded("keep.bin", false));
  CHECK_FALSE(rules.excluded("sub/keep.bin", false));
}
