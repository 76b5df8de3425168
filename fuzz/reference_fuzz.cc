// Image references (registry/reference.h): parse either throws InputError or gives a
// reference whose fully qualified form parses back to the same reference.
#include <optional>

#include "core/error.h"
#include "fuzz/fuzz_input.h"
#include "registry/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace stowage::fuzz;
  using stowage::registry::Reference;
  std::optional<Reference> ref;
  try {
    ref = Reference::parse(as_text(data, size));
  } catch (const stowage::InputError&) {
    return 0;
  }
  // Not inside the try: a reference that does not parse back is a finding.
  Reference again = Reference::parse(ref->str());
  require(again == *ref && again.str() == ref->str());
  (void)ref->api_host();
  (void)ref->identifier();
  (void)ref->name();
  return 0;
}
