// WWW-Authenticate parsing (registry/transport/challenge.h) never throws and always ends;
// every challenge it returns has a lowercase, non-empty scheme.
#include <cctype>

#include "fuzz/fuzz_input.h"
#include "registry/transport/challenge.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  for (const auto& c : stowage::registry::transport::parse_challenges(as_text(data, size))) {
    require(!c.scheme.empty());
    for (char ch : c.scheme)
      require(!std::isupper(static_cast<unsigned char>(ch)));
    (void)c.param("realm");
  }
  return 0;
}
