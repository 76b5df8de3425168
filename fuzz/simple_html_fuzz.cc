// PEP 503 pages (python/simple_index.h): parse or throw Error; every file found has a
// name and an absolute URL on the page's scheme.
#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "python/simple_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  refusing<stowage::Error>([&] {
    for (const auto& f : stowage::python::parse_simple_html(as_text(data, size),
                                                            "https://index.invalid/simple/demo/"))
      require(!f.url.empty());
  });
  return 0;
}
