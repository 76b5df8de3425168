// The user-facing side of hardening, at library level: text from outside made printable,
// tokens stripped from git remotes, token lifetimes clamped, layout ref names checked, secrets
// in labels, serve.command and source files warned about, and what a directory source leaves
// out by default. tests/hardening/cli_input_test.cc drives the same through the binary.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <set>

#include "builder/content.h"
#include "builder/secret_env.h"
#include "builder/source_revision.h"
#include "core/printable.h"
#include "layers/oci_layout.h"
#include "recipes/recipe.h"
#include "registry/transport/bearer.h"
#include "registry/transport/error.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace fs = std::filesystem;
using stowage::printable;
using stowage::testing::TempDir;
using stowage::testing::write_text;

TEST_CASE("printable() escapes what a terminal or a CI runner would obey") {
  CHECK(printable("plain text, UTF-8 \xc3\xa9t\xc3\xa9") == "plain text, UTF-8 \xc3\xa9t\xc3\xa9");
  CHECK(printable("red \x1b[31mALERT\x1b[0m") == "red \\x1b[31mALERT\\x1b[0m");
  CHECK(printable("ok\n::add-mask::x\r\n::set-output name=a::b") ==
        "ok\\n::add-mask::x\\r\\n::set-output name=a::b");
  CHECK(printable(std::string("nul\0bel\a del\x7f", 13)) == "nul\\x00bel\\x07 del\\x7f");
  // 8-bit CSI, raw and UTF-8 encoded; bytes that are not UTF-8; a bidi override.
  CHECK(printable("\x9b"
                  "31m") == "\\x9b31m");
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\x9b31m");
  CHECK(printable("\xc0\xaf \xed\xa0\x80") == "\\xc0\\xaf \\xed\\xa0\\x80");
  CHECK(printable("abc\xe2\x80\xaeu") == "abc\\u{202e}u");
  // Long text is cut at a character boundary, visibly.
  const std::string cut = printable(std::string(10, 'a') + "\xc3\xa9xyz", 11);
  CHECK(cut == std::string(10, 'a') + "\xe2\x80\xa6");
  CHECK(printable(std::string(5000, 'x')).size() <= stowage::kPrintableDefaultMax + 3);
  CHECK(printable(std::string(20, 'x'), 20) == std::string(20, 'x'));
}

TEST_CASE("a registry's error text is shown printable, and a field of another type is ignored") {
  stowage::net::Response response;
  response.status = 403;
  response.body = R"({"errors":[{"code":"DENIED","message":"no\n::add-mask::\u001b[2Jpwned"},)"
                  R"({"code":42,"message":["x"]}]})";
  const std::string what = stowage::registry::transport::registry_error(response, "push").what();
  INFO(what);
  CHECK(what.find('\x1b') == std::string::npos);
  CHECK(what.find('\n') == std::string::npos);
  CHECK_THAT(what, Catch::Contains("DENIED: no\\n::add-mask::\\x1b[2Jpwned"));
}

TEST_CASE("git remotes lose userinfo, query and fragment, however the token is written") {
  using stowage::builder::public_url;
  const std::string kClean = "https://git.example.org/ml/app.git";
  CHECK(public_url(kClean) == kClean);
  CHECK(public_url("https://ci:s3cr3t@git.example.org/ml/app.git") == kClean);
  CHECK(public_url("https://oauth2:p@ss@w@rd@git.example.org/ml/app.git") == kClean);
  CHECK(public_url("https://git.example.org/ml/app.git?token=s3cr3t") == kClean);
  CHECK(public_url("https://git.example.org/ml/app.git#s3cr3t") == kClean);
  CHECK(public_url("https://u:t@git.example.org/ml/app.git?private_token=s3cr3t#x") == kClean);
  CHECK(public_url("https://s3cr3t@git.example.org:8443/ml/app.git") ==
        "https://git.example.org:8443/ml/app.git");
  CHECK(public_url("ssh://git@git.example.org/ml/app.git") == "ssh://git.example.org/ml/app.git");
  CHECK(public_url("git@github.com:ml/app.git") == "git@github.com:ml/app.git");
  // Tokens with an unescaped '/', '?' or '#' make the URL ambiguous: nothing rather than a leak.
  for (const std::string url :
       {"https://oauth2:s3/cr3t@git.example.org/ml/app.git",
        "https://oauth2:s3?cr3t@git.example.org/ml/app.git",
        "https://oauth2:s3#cr3t@git.example.org/ml/app.git",
        "https://git.example.org/ml/app.git?token=s3@cr3t", "https://s3cr3t@", "https://:@/x"}) {
    INFO(url);
    CHECK(public_url(url).empty());
  }
}

TEST_CASE("the origin URL of a real work tree leaves its token behind") {
  TempDir tmp;
  stowage::testing::RunOptions in_repo;
  in_repo.cwd = tmp.path();
  stowage::testing::run_ok({"git", "init", "-q"}, in_repo);
  stowage::testing::run_ok(
      {"git", "remote", "add", "origin", "https://ci:p@ss@git.example.org/ml/app.git?t=s3cr3t"},
      in_repo);
  CHECK(stowage::builder::git_origin_url(tmp.path()) == "https://git.example.org/ml/app.git");
}

TEST_CASE("token lifetimes from the network are clamped") {
  using std::chrono::seconds;
  using stowage::registry::transport::token_lifetime;
  CHECK(token_lifetime(std::nullopt) == seconds(60));
  CHECK(token_lifetime(300) == seconds(300));
  CHECK(token_lifetime(1e300) == seconds(24 * 3600));
  CHECK(token_lifetime(std::numeric_limits<double>::infinity()) == seconds(24 * 3600));
  CHECK(token_lifetime(9.3e18) == seconds(24 * 3600));
  CHECK(token_lifetime(0.25) == seconds(1));
  CHECK(token_lifetime(0) == seconds(60));
  CHECK(token_lifetime(-1e300) == seconds(60));
  CHECK(token_lifetime(std::numeric_limits<double>::quiet_NaN()) == seconds(60));
}

TEST_CASE("layout ref names follow the OCI grammar") {
  using stowage::layers::valid_ref_name;
  for (const char* ok : {"latest", "v1.2.3", "1", "a_b", "a--b", "a:b@c+d", "org/app:v1"}) {
    INFO(ok);
    CHECK(valid_ref_name(ok));
  }
  for (const char* bad : {"", "../../evil", "a b", ".hidden", "a..b", "a/", "/a", "a//b", "a-",
                          "a---b", "tab\there", "a\nb", "\xc3\xa9"}) {
    INFO(bad);
    CHECK_FALSE(valid_ref_name(bad));
  }
  TempDir tmp;
  auto layout = stowage::layers::OciLayout::open_or_create(tmp / "layout");
  stowage::layers::Descriptor d;
  CHECK_THROWS_AS(layout.tag(d, "../../evil"), stowage::InputError);
}

TEST_CASE("secrets in labels and serve.command are warned about, without their values") {
  const std::string hf = "hf_" + std::string(34, 'q');
  auto recipe = stowage::recipes::parse_recipe(
      "name: demo\nbase: scratch\n"
      "labels:\n  org.example.api-token: \"s3cr3t-label-value\"\n  version: \"1.0\"\n"
      "  source: \"https://bot:hunter2hunter2@git.example.org/x\"\n"
      "serve:\n  command: [server, --api-key, \"sk-verysecretvalue\", \"--hf=" +
          hf +
          "\", --token=changeme-long-value, --max-tokens, \"512\", --key-file, "
          "/run/secrets/k]\n",
      "/nonexistent/stowage.yaml");
  const auto w = stowage::builder::recipe_secret_warnings(recipe);
  std::string all;
  for (const auto& line : w)
    all += line + "\n";
  INFO(all);
  CHECK(w.size() == 5);
  CHECK_THAT(all, Catch::Contains("labels.org.example.api-token looks like a secret"));
  CHECK_THAT(all, Catch::Contains("labels.source looks like a secret (the value is a URL"));
  CHECK_THAT(all, Catch::Contains("serve.command[2] looks like a secret (its name contains"));
  CHECK_THAT(all, Catch::Contains("serve.command[3] looks like a secret (the value looks like a "
                                  "Hugging Face token)"));
  CHECK_THAT(all, Catch::Contains("serve.command[4] looks like a secret"));
  CHECK_THAT(all, Catch::StartsWith("/nonexistent/stowage.yaml:"));
  for (const std::string& secret :
       {std::string("s3cr3t-label-value"), std::string("hunter2"),
        std::string("sk-verysecretvalue"), hf, std::string("changeme-long-value")}) {
    CHECK_THAT(all, !Catch::Contains(secret));
  }
}

namespace {

std::set<std::string> image_paths(const std::vector<stowage::builder::ContentItem>& items) {
  std::set<std::string> out;
  for (const auto& item : items)
    out.insert(item.entry.path);
  return out;
}

}  // namespace

TEST_CASE("a directory source leaves out VCS data, caches and stowage's own outputs") {
  TempDir tmp;
  const fs::path dir = tmp / "project";
  write_text(dir / "stowage.yaml", "name: demo\nbase: scratch\ncode: {src: ./, dst: /app}\n");
  write_text(dir / "app.py", "print('hi')\n");
  write_text(dir / ".git/config", "[remote \"origin\"]\n\turl = https://ci:tok@h/r\n");
  write_text(dir / "sub/.git", "gitdir: ../.git/modules/sub\n");
  write_text(dir / "sub/mod.py", "x = 1\n");
  write_text(dir / ".hg/hgrc", "x");
  write_text(dir / ".svn/entries", "x");
  write_text(dir / "__pycache__/app.cpython-311.pyc", "x");
  write_text(dir / "sub/__pycache__/mod.cpython-311.pyc", "x");
  write_text(dir / "stowage-out/image/index.json", "{}");
  write_text(dir / ".pytest_cache/CACHEDIR.TAG",
             "Signature: 8a477f597d28d172789f06886806bc55\n# pytest\n");
  write_text(dir / ".pytest_cache/v/cache/lastfailed", "{}");
  write_text(dir / "fake_cache/CACHEDIR.TAG", "not the signature\n");
  write_text(dir / "my-output/index.json", "{}");  // --output my-output
  write_text(dir / "c/blobs/x", "x");              // --cache ./c, named differently
  write_text(dir / ".env", "HF_TOKEN=hf_x\n");
  write_text(dir / "certs/server.pem", "-----BEGIN PRIVATE KEY-----\n");
  write_text(dir / "keys/id_ed25519", "x");

  const auto recipe = stowage::recipes::load_recipe(dir / "stowage.yaml");
  const auto items =
      stowage::builder::collect_recipe_content(recipe, {dir / "my-output", tmp / "project/./c"});
  const auto paths = image_paths(items);
  std::string listing;
  for (const auto& p : paths)
    listing += p + "\n";
  INFO(listing);
  for (const char* kept : {"app/app.py", "app/sub/mod.py", "app/fake_cache/CACHEDIR.TAG",
                           "app/.env", "app/certs/server.pem", "app/keys/id_ed25519"}) {
    CHECK(paths.count(kept) == 1);
  }
  for (const auto& p : paths) {
    INFO(p);
    for (const char* gone :
         {".git", ".hg", ".svn", "__pycache__", "stowage-out", ".pytest_cache", "my-output"}) {
      CHECK(p.find(gone) == std::string::npos);
    }
  }
  CHECK(paths.count("app/c") == 0);

  // The files kept that commonly hold secrets are warned about, by image path and entry.
  const auto w = stowage::builder::secret_file_warnings(recipe, items);
  std::string all;
  for (const auto& line : w)
    all += line + "\n";
  INFO(all);
  CHECK(w.size() == 3);
  CHECK_THAT(all, Catch::Contains("/app/.env goes into the image") &&
                      Catch::Contains("/app/certs/server.pem") &&
                      Catch::Contains("/app/keys/id_ed25519") &&
                      Catch::Contains("stowage.yaml:3:"));
  CHECK_THAT(all, !Catch::Contains("hf_x"));

  // .stowageignore can take a default back.
  write_text(dir / ".stowageignore", "!__pycache__/\n.env\n");
  const auto again = image_paths(stowage::builder::collect_recipe_content(recipe));
  CHECK(again.count("app/__pycache__/app.cpython-311.pyc") == 1);
  CHECK(again.count("app/.env") == 0);
  CHECK(again.count("app/.git/config") == 0);
}

TEST_CASE("secret file warnings stop after a few and count the rest") {
  TempDir tmp;
  write_text(tmp / "stowage.yaml", "name: demo\nbase: scratch\nmodel: {src: keys/, dst: /k}\n");
  for (int i = 0; i < 25; ++i)
    write_text(tmp / ("keys/k" + std::to_string(i) + ".key"), "x");
  const auto recipe = stowage::recipes::load_recipe(tmp / "stowage.yaml");
  const auto w = stowage::builder::secret_file_warnings(
      recipe, stowage::builder::collect_recipe_content(recipe));
  REQUIRE(w.size() == stowage::builder::kMaxSecretFileWarnings + 1);
  CHECK_THAT(w.back(), Catch::StartsWith("and 15 more files"));
}
