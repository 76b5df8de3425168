#include "net/retry.h"

#include <catch2/catch.hpp>

using namespace stowage::net;

TEST_CASE("Retry-After and retryable statuses") {
  using namespace std::chrono;
  CHECK(parse_retry_after("3") == milliseconds(3000));
  CHECK(parse_retry_after(" 0 ") == milliseconds(0));
  CHECK(!parse_retry_after("soon"));
  CHECK(!parse_retry_after(""));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT") == milliseconds(0));
  auto later = parse_retry_after("Fri, 31 Dec 2100 23:59:59 GMT");
  REQUIRE(later);
  CHECK(*later > hours(24 * 365));
  for (long s : {408L, 429L, 500L, 502L, 503L, 504L})
    CHECK(is_retryable_status(s));
  for (long s : {200L, 201L, 400L, 401L, 403L, 404L, 416L, 501L, 505L})
    CHECK(!is_retryable_status(s));
}
