// PEP 503 pages (builder/wheels/simple_index.h): parse or throw Error; every file found has a
// name and an absolute URL on the page's scheme.
#include <cstdlib>

#include "builder/wheels/simple_index.h"
#include "core/error.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto files = stowage::builder::wheels::parse_simple_html(stowage::fuzz::as_text(data, size),
                                                             "https://index.invalid/simple/demo/");
    for (const auto& f : files) {
      if (f.url.empty())
        std::abort();
    }
  } catch (const stowage::Error&) {
  }
  return 0;
}
