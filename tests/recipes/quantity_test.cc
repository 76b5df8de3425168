#include "recipes/quantity.h"

#include <catch2/catch.hpp>

#include "recipes/did_you_mean.h"
#include "recipes/reference_syntax.h"

using namespace stowage::recipes;

TEST_CASE("Kubernetes quantities parse to their values") {
  CHECK(*parse_quantity("16Gi") == 16.0L * 1024 * 1024 * 1024);
  CHECK(*parse_quantity("500m") == 0.5L);
  CHECK(*parse_quantity("4") == 4.0L);
  CHECK(*parse_quantity("1.5G") == 1.5e9L);
  CHECK(*parse_quantity("2e3") == 2000.0L);
  CHECK(*parse_quantity("1E-3") == Approx(0.001));
  CHECK(*parse_quantity(".5") == 0.5L);
  CHECK(*parse_quantity("+1Ki") == 1024.0L);
  CHECK(*parse_quantity("-1") == -1.0L);
  for (const char* bad :
       {"", "Gi", "16GB", "16gi", "16 Gi", "1.2.3", "4 cores", "1e", "--1", "."}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_quantity(bad));
  }
}

TEST_CASE("quantity_bytes rounds up and refuses negatives and overflow") {
  CHECK(quantity_bytes("64Mi") == 64 << 20);
  CHECK(quantity_bytes("1.5") == 2);
  CHECK(quantity_bytes("1k") == 1000);
  CHECK_FALSE(quantity_bytes("-1Ki"));
  CHECK_FALSE(quantity_bytes("8Ei"));
  CHECK_FALSE(quantity_bytes("64MB"));
}

TEST_CASE("malformed quantities get the spelling Kubernetes uses") {
  CHECK(suggest_quantity("16GB") == "16Gi");
  CHECK(suggest_quantity("16gb") == "16Gi");
  CHECK(suggest_quantity("16GiB") == "16Gi");
  CHECK(suggest_quantity("512MB") == "512Mi");
  CHECK(suggest_quantity("2 Gi") == "2Gi");
  CHECK(suggest_quantity("100 m") == "100m");
  CHECK(suggest_quantity("4 cores") == "4");
  CHECK(suggest_quantity("250millicores") == "250m");
  CHECK(suggest_quantity("1024 bytes") == "1024");
  CHECK(suggest_quantity("lots").empty());
  CHECK(suggest_quantity("16XB").empty());
}

TEST_CASE("edit distance counts swaps as one edit, case-insensitively") {
  CHECK(edit_distance("model", "model") == 0);
  CHECK(edit_distance("modle", "model") == 1);
  CHECK(edit_distance("Model", "model") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  constexpr std::string_view keys[] = {"name", "base", "model", "code"};
  CHECK(did_you_mean("modle", keys) == "model");
  CHECK(did_you_mean("nmae", keys) == "name");
  CHECK_FALSE(did_you_mean("deploy", keys));
  CHECK_FALSE(did_you_mean("x", keys));
}

TEST_CASE("image reference syntax") {
  CHECK(check_reference_syntax("python:3.11-slim").what.empty());
  CHECK(check_reference_syntax("localhost:5000/a/b:c").what.empty());
  CHECK(check_reference_syntax("a/b-c__d").what.empty());
  CHECK_FALSE(check_reference_syntax("a//b").what.empty());
  CHECK_FALSE(check_reference_syntax("-a").what.empty());
  CHECK_FALSE(check_reference_syntax("a:").what.empty());
  CHECK_FALSE(check_reference_syntax("host:port/a").what.empty());
  CHECK_FALSE(check_reference_syntax("a:b@sha256:12").what.empty());
  CHECK_FALSE(check_reference_syntax(std::string(256, 'a')).what.empty());
}
