#include "core/strings.h"

#include <catch2/catch.hpp>

using namespace stowage;

TEST_CASE("case folding touches ASCII letters only") {
  CHECK(to_lower("Content-Type: TEXT/HTML") == "content-type: text/html");
  CHECK(to_upper("hf_token-1") == "HF_TOKEN-1");
  CHECK(to_lower('Q') == 'q');
  CHECK(to_lower('[') == '[');  // 'Z' + 1: not a letter
  // UTF-8 bytes pass through: "É" is not folded to "é", whatever the locale.
  CHECK(to_lower("\xC3\x89T\xC3\x89") == "\xC3\x89t\xC3\x89");
  CHECK(to_lower("") == "");
}

TEST_CASE("case-insensitive comparisons") {
  CHECK(iequals("WWW-Authenticate", "www-authenticate"));
  CHECK_FALSE(iequals("Content-Length", "Content-Lengths"));
  CHECK_FALSE(iequals("a", "b"));
  CHECK(iequals("", ""));
  CHECK(iends_with("model.SafeTensors", ".safetensors"));
  CHECK(iends_with(".whl", ".WHL"));
  CHECK_FALSE(iends_with("whl", ".whl"));
  CHECK_FALSE(iends_with("model.bin.txt", ".bin"));
}

TEST_CASE("trim removes ASCII whitespace at both ends only") {
  CHECK(trim("  \t key = value \r\n") == "key = value");
  CHECK(trim("\v\fx\f") == "x");
  CHECK(trim("   ") == "");
  CHECK(trim("") == "");
  CHECK(trim("a b") == "a b");
  std::string_view s = " abc ";
  CHECK(trim(s).data() == s.data() + 1);  // a view into the argument, no copy
}

TEST_CASE("split keeps empty pieces and join puts them back") {
  CHECK(split("cp311-cp311-manylinux_2_17_x86_64", '-') ==
        std::vector<std::string>{"cp311", "cp311", "manylinux_2_17_x86_64"});
  CHECK(split("a,,b,", ',') == std::vector<std::string>{"a", "", "b", ""});
  CHECK(split("", '.') == std::vector<std::string>{""});
  CHECK(join({"repository:a:pull", "repository:b:pull,push"}, " ") ==
        "repository:a:pull repository:b:pull,push");
  CHECK(join({}, ", ") == "");
  CHECK(join({"x"}, ", ") == "x");
  CHECK(join(split("a..b", '.'), ".") == "a..b");
}

TEST_CASE("percent_decode decodes valid escapes and keeps the rest") {
  CHECK(percent_decode("torch-2.5.1%2Bcpu-cp311-cp311-linux_x86_64.whl") ==
        "torch-2.5.1+cpu-cp311-cp311-linux_x86_64.whl");
  CHECK(percent_decode("a%2fb%2F") == "a/b/");
  CHECK(percent_decode("%41%42") == "AB");
  CHECK(percent_decode("100%") == "100%");
  CHECK(percent_decode("%4") == "%4");
  CHECK(percent_decode("%zz%4g") == "%zz%4g");
  CHECK(percent_decode("%00x") == std::string("\0x", 2));
  CHECK(percent_decode("") == "");
}
