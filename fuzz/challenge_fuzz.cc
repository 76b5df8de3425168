// WWW-Authenticate parsing (registry/transport/challenge.h) never throws and always ends;
// every challenge it returns has a lowercase, non-empty scheme.
#include <cctype>
#include <cstdlib>

#include "fuzz/fuzz_input.h"
#include "registry/transport/challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto challenges =
      stowage::registry::transport::parse_challenges(stowage::fuzz::as_text(data, size));
  for (const auto& c : challenges) {
    if (c.scheme.empty())
      std::abort();
    for (char ch : c.scheme) {
      if (std::isupper(static_cast<unsigned char>(ch)))
        std::abort();
    }
    (void)c.param("realm");
  }
  return 0;
}
