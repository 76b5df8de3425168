#include "recipes/names.h"

#include <catch2/catch.hpp>

using namespace stowage::recipes;

TEST_CASE("DNS-1123 labels and subdomains") {
  CHECK(is_dns1123_label("sentiment-api"));
  CHECK(is_dns1123_label("a"));
  CHECK(is_dns1123_label("0abc9"));
  CHECK(is_dns1123_label(std::string(63, 'a')));
  CHECK_FALSE(is_dns1123_label(std::string(64, 'a')));
  CHECK_FALSE(is_dns1123_label(""));
  CHECK_FALSE(is_dns1123_label("-a"));
  CHECK_FALSE(is_dns1123_label("a-"));
  CHECK_FALSE(is_dns1123_label("A"));
  CHECK_FALSE(is_dns1123_label("a_b"));
  CHECK_FALSE(is_dns1123_label("a.b"));
  CHECK(is_dns1123_subdomain("a.b-c.d"));
  CHECK_FALSE(is_dns1123_subdomain("a..b"));
  CHECK_FALSE(is_dns1123_subdomain("a."));
  CHECK_FALSE(is_dns1123_subdomain(std::string(254, 'a')));
}

TEST_CASE("a DNS-1123 label made from a bad name") {
  CHECK(to_dns1123_label("Sentiment_API") == "sentiment-api");
  CHECK(to_dns1123_label("--My  Model--") == "my-model");
  CHECK(to_dns1123_label("___").empty());
  CHECK(to_dns1123_label(std::string(70, 'x')).size() == 63);
}

TEST_CASE("Kubernetes label keys and values") {
  CHECK(is_label_key("pool"));
  CHECK(is_label_key("cloud.google.com/gke-accelerator"));
  CHECK(is_label_key("nvidia.com/gpu.product"));
  CHECK_FALSE(is_label_key("Bad_Prefix/x"));
  CHECK_FALSE(is_label_key("a/"));
  CHECK_FALSE(is_label_key("bad key"));
  CHECK(is_label_value(""));
  CHECK(is_label_value("NVIDIA-A100-SXM4-80GB"));
  CHECK_FALSE(is_label_value("a b"));
  CHECK_FALSE(is_label_value("-a"));
  CHECK_FALSE(is_label_value(std::string(64, 'a')));
}
