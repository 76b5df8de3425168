#include "builder/source_revision.h"

#include <catch2/catch.hpp>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace stowage::testing;

TEST_CASE("the checked-out commit is read without running git") {
  TempDir tmp;
  RunOptions in_repo;
  in_repo.cwd = tmp.path();
  in_repo.env = {{"GIT_AUTHOR_NAME", "t"},
                 {"GIT_AUTHOR_EMAIL", "t@example.invalid"},
                 {"GIT_COMMITTER_NAME", "t"},
                 {"GIT_COMMITTER_EMAIL", "t@example.invalid"}};
  run_ok({"git", "init", "-q", "-b", "main"}, in_repo);
  write_text(tmp / "sub/file.txt", "x");
  run_ok({"git", "add", "."}, in_repo);
  run_ok({"git", "commit", "-q", "-m", "one"}, in_repo);
  std::string head = run_ok({"git", "rev-parse", "HEAD"}, in_repo);
  head.pop_back();
  CHECK(stowage::builder::git_revision(tmp / "sub") == head);

  // Packed refs too.
  run_ok({"git", "pack-refs", "--all"}, in_repo);
  CHECK(stowage::builder::git_revision(tmp.path()) == head);

  // The origin URL, without the token a CI checkout puts in it.
  CHECK(stowage::builder::git_origin_url(tmp.path()).empty());
  run_ok({"git", "remote", "add", "origin", "https://ci:s3cr3t-token@git.example.org/ml/app.git"},
         in_repo);
  CHECK(stowage::builder::git_origin_url(tmp / "sub") == "https://git.example.org/ml/app.git");
}

TEST_CASE("outside a work tree there is no revision") {
  TempDir tmp;
  CHECK(stowage::builder::git_revision(tmp.path()).empty());
}
