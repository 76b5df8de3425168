// Image references (registry/reference.h): parse either throws InputError or gives a
// reference whose fully qualified form parses back to the same reference.
#include <cstdlib>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using stowage::registry::Reference;
  std::optional<Reference> ref;
  try {
    ref = Reference::parse(stowage::fuzz::as_text(data, size));
  } catch (const stowage::InputError&) {
    return 0;
  }
  Reference again = Reference::parse(ref->str());
  if (!(again == *ref) || again.str() != ref->str())
    std::abort();
  (void)ref->api_host();
  (void)ref->identifier();
  (void)ref->name();
  return 0;
}
